package dev.compozy.store.jakartaee;

import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.arjuna.ats.jta.cdi.TransactionExtension;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import dev.compozy.store.Store;
import dev.compozy.store.testing.TestDatabase;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.agroal.narayana.NarayanaTransactionIntegration;
import jakarta.enterprise.inject.spi.InjectionPoint;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import jakarta.persistence.PersistenceConfiguration;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.PersistenceUnitTransactionType;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.SQLException;
import java.util.Map;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.engine.transaction.jta.platform.internal.NarayanaJtaPlatform;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.jboss.weld.injection.spi.JpaInjectionServices;
import org.jboss.weld.injection.spi.ResourceReference;
import org.jboss.weld.injection.spi.ResourceReferenceFactory;

/**
 * The parts of a Jakarta EE server the store meets, from Maven Central: Narayana for JTA (with its CDI
 * {@code @Transactional} interceptors), an Agroal pool whose connections enlist in JTA transactions,
 * an application's {@code compozy-store} unit (the jar's mapping file) deployed as a JTA unit on that pool, and Weld SE
 * injecting {@code @PersistenceContext} with a transaction-scoped entity manager.
 */
final class JakartaEeContainer implements AutoCloseable {
    private final AgroalDataSource dataSource;
    private final EntityManagerFactory entityManagerFactory;
    private final WeldContainer weld;
    private final TransactionManager transactionManager;

    private JakartaEeContainer(
            AgroalDataSource dataSource,
            EntityManagerFactory entityManagerFactory,
            WeldContainer weld,
            TransactionManager transactionManager) {
        this.dataSource = dataSource;
        this.entityManagerFactory = entityManagerFactory;
        this.weld = weld;
        this.transactionManager = transactionManager;
    }

    static JakartaEeContainer start(TestDatabase db, Class<?>... beanClasses) throws SQLException {
        keepTransactionLogInTarget();
        TransactionManager transactionManager = com.arjuna.ats.jta.TransactionManager.transactionManager();
        TransactionSynchronizationRegistry registry = new TransactionSynchronizationRegistryImple();
        AgroalDataSource dataSource = AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(pool -> pool.maxSize(8)
                        .transactionIntegration(new NarayanaTransactionIntegration(transactionManager, registry))
                        .connectionFactoryConfiguration(connection -> connection
                                .jdbcUrl(db.jdbcUrl(TestDatabase.SHARED_DATABASE))
                                .principal(new NamePrincipal(db.user()))
                                .credential(new SimplePassword(db.password())))));
        EntityManagerFactory factory =
                Persistence.createEntityManagerFactory(new PersistenceConfiguration(Store.PERSISTENCE_UNIT)
                        .mappingFile("META-INF/compozy-store-orm.xml")
                        .transactionType(PersistenceUnitTransactionType.JTA)
                        .properties(Map.of(
                                AvailableSettings.JAKARTA_JTA_DATASOURCE,
                                dataSource,
                                AvailableSettings.JTA_PLATFORM,
                                new NarayanaJtaPlatform())));
        EntityManager containerEntityManager = TransactionScopedEntityManager.create(factory, registry);
        WeldContainer weld = new Weld()
                .disableDiscovery()
                .addExtension(new TransactionExtension())
                .addBeanClasses(beanClasses)
                .addServices(new PersistenceContextInjection(containerEntityManager, factory))
                .initialize();
        return new JakartaEeContainer(dataSource, factory, weld, transactionManager);
    }

    private static void keepTransactionLogInTarget() {
        String dir = "target/narayana";
        arjPropertyManager.getObjectStoreEnvironmentBean().setObjectStoreDir(dir);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "communicationStore")
                .setObjectStoreDir(dir);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "stateStore")
                .setObjectStoreDir(dir);
    }

    <T> T bean(Class<T> type) {
        return weld.select(type).get();
    }

    TransactionManager transactionManager() {
        return transactionManager;
    }

    @Override
    public void close() {
        try {
            weld.close();
        } finally {
            try {
                entityManagerFactory.close();
            } finally {
                dataSource.close();
            }
        }
    }

    /** The container service that answers {@code @PersistenceContext} and {@code @PersistenceUnit}. */
    private static final class PersistenceContextInjection implements JpaInjectionServices {
        private final EntityManager entityManager;
        private final EntityManagerFactory factory;

        PersistenceContextInjection(EntityManager entityManager, EntityManagerFactory factory) {
            this.entityManager = entityManager;
            this.factory = factory;
        }

        @Override
        public ResourceReferenceFactory<EntityManager> registerPersistenceContextInjectionPoint(InjectionPoint point) {
            PersistenceContext context = point.getAnnotated().getAnnotation(PersistenceContext.class);
            if (!Store.PERSISTENCE_UNIT.equals(context.unitName())) {
                throw new IllegalArgumentException("no persistence unit named '" + context.unitName() + "'");
            }
            return () -> reference(entityManager);
        }

        @Override
        public ResourceReferenceFactory<EntityManagerFactory> registerPersistenceUnitInjectionPoint(
                InjectionPoint point) {
            return () -> reference(factory);
        }

        private static <T> ResourceReference<T> reference(T instance) {
            return new ResourceReference<>() {
                @Override
                public T getInstance() {
                    return instance;
                }

                @Override
                public void release() {
                    // The container owns the instance; injection points only borrow it.
                }
            };
        }

        @Override
        public void cleanup() {
            // Nothing is held per deployment.
        }
    }
}
