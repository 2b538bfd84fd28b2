package dev.compozy.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.compozy.store.core.StoreException;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.workflow.WorkflowRepository;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import javax.sql.DataSource;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.engine.transaction.jta.platform.internal.NoJtaPlatform;
import org.hibernate.jpa.HibernatePersistenceConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point: opens the pool and the persistence unit, optionally migrates the schema, and hands
 * out the repositories. Thread-safe; open one per database and share it. {@link #close()} releases the
 * pool (when the store made it) and the entity manager factory.
 */
public final class Store implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Store.class);

    /** Name of the programmatic persistence unit; the documented name for an application's own unit too. */
    public static final String PERSISTENCE_UNIT = "compozy-store";

    private static final String CURRENT_SCHEMA = "SELECT current_schema()";

    private final HikariDataSource ownedPool;
    /** False for a container-managed store: the container owns the entity manager factory. */
    private final boolean ownsFactory;

    private final Database database;
    private final TaskRepository taskRepository;
    private final WorkflowRepository workflowRepository;

    private Store(HikariDataSource ownedPool, boolean ownsFactory, Database database, StoreConfig config) {
        this.ownedPool = ownedPool;
        this.ownsFactory = ownsFactory;
        this.database = database;
        this.taskRepository = new HibernateTaskRepository(database, config.treeDepthLimit());
        this.workflowRepository = new HibernateWorkflowRepository(database);
    }

    /**
     * Opens a store on its own connection pool [SetupStore].
     *
     * @throws StoreException naming host and port when the server cannot be reached within the connect
     *     timeout, or when the migration fails
     */
    public static Store open(StoreConfig config) {
        return open(config, StoreMetrics.NONE);
    }

    /**
     * Opens a store that reports operation timings, lock waits, retries and pool usage to {@code metrics}
     * (for Micrometer: {@code new MicrometerStoreMetrics(registry)}).
     */
    public static Store open(StoreConfig config, StoreMetrics metrics) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(metrics, "metrics");
        PgDataSource connections = new PgDataSource(config);
        Server server = reach(config, connections);
        if (config.autoMigrate()) {
            // On a connection of its own, so that the pool starts at its first use after migrating too.
            Migrations.update(connections, config.schema(), config.indexProfile());
        }
        requireSchema(connections, config);
        HikariDataSource pool = pool(config, connections, metrics);
        try {
            return open(
                    pool,
                    pool,
                    config,
                    metrics,
                    server,
                    String.join(",", config.hosts()) + "/" + config.dbName() + " as " + config.user());
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * Opens a store from application properties ({@code compozy.db.*} keys, see {@link StoreConfig})
     * [SetupStoreWithConfig].
     */
    public static Store open(Properties appConfig) {
        return open(StoreConfig.fromProperties(appConfig));
    }

    /**
     * Opens a store on a data source managed by the caller (a container's, or a decorated one); the
     * store never closes it. Only the non-connection settings of {@code settings} are used.
     */
    public static Store open(DataSource dataSource, StoreConfig settings) {
        return open(dataSource, settings, StoreMetrics.NONE);
    }

    /**
     * {@link #open(DataSource, StoreConfig)} reporting operation timings, lock waits and retries to
     * {@code metrics}; the data source's pool is the caller's to measure.
     */
    public static Store open(DataSource dataSource, StoreConfig settings, StoreMetrics metrics) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(metrics, "metrics");
        Server server;
        try (Connection connection = dataSource.getConnection()) {
            server = Server.of(connection);
        } catch (SQLException e) {
            throw new StoreException(
                    "open",
                    "cannot get a connection from the data source: " + e.getMessage() + " [SQLState " + e.getSQLState()
                            + "]",
                    e);
        }
        if (settings.autoMigrate()) {
            Migrations.update(dataSource, settings.schema(), settings.indexProfile());
        }
        requireSchema(dataSource, settings);
        // Its URL or user can carry a password, so the line names the database alone.
        return open(
                null,
                dataSource,
                settings,
                metrics,
                server,
                "an external data source (database " + server.database() + ")");
    }

    private static Store open(
            HikariDataSource ownedPool,
            DataSource dataSource,
            StoreConfig config,
            StoreMetrics metrics,
            Server server,
            String target) {
        EntityManagerFactory factory = createEntityManagerFactory(dataSource, server, config.schema());
        LOG.info("compozy-store opened on {}, PostgreSQL {}", target, server.version());
        Runnable onConnectionLoss = ownedPool == null ? () -> {} : () -> evictIdleConnections(ownedPool);
        return new Store(ownedPool, true, new Database(dataSource, factory, onConnectionLoss, metrics), config);
    }

    /**
     * After a lost connection the pool's other connections are most likely dead too (server restart,
     * killed backends); replacing them now spares the next operations from finding that out one by one.
     */
    private static void evictIdleConnections(HikariDataSource pool) {
        if (pool.getHikariPoolMXBean() != null) {
            LOG.warn("connection to PostgreSQL lost; replacing the pool's connections");
            pool.getHikariPoolMXBean().softEvictConnections();
        }
    }

    /**
     * One connection attempt, bounded by the connect timeout: the pool's own first attempt would add a
     * one-second retry pause and round the driver's timeout up to whole seconds; this one fails on time
     * (and at once when the server refuses). It also tells the server's version for Hibernate's dialect.
     */
    private static Server reach(StoreConfig config, PgDataSource connections) {
        long deadline = System.nanoTime() + config.connectTimeout().toNanos();
        try (Connection connection = connections.connect(deadline)) {
            return Server.of(connection);
        } catch (SQLException e) {
            throw cannotConnect(config, e);
        }
    }

    /**
     * The pool starts at its first use: starting it here would put its threads, its first connections and
     * its two INFO lines on every open, where the store says one line only.
     */
    private static HikariDataSource pool(StoreConfig config, PgDataSource connections, StoreMetrics metrics) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(config.applicationName());
        hikari.setDataSource(connections);
        hikari.setInitializationFailTimeout(-1);
        hikari.setMaximumPoolSize(config.maxPoolSize());
        hikari.setMinimumIdle(config.minIdle());
        hikari.setKeepaliveTime(config.healthCheckPeriod().toMillis());
        hikari.setConnectionTimeout(config.connectTimeout().toMillis());
        hikari.setValidationTimeout(Math.min(config.connectTimeout().toMillis(), 5_000));
        hikari.setExceptionOverride(new ConnectionLossOverride());
        metrics.configurePool(hikari);
        hikari.validate();
        HikariDataSource pool = new HikariDataSource();
        hikari.copyStateTo(pool);
        return pool;
    }

    /**
     * The native SQL runs unqualified, in the connection's schema; a data source whose connections sit in
     * another schema (or in one that does not exist yet) would have the entity locks and the native
     * statements work on different tables.
     */
    private static void requireSchema(DataSource dataSource, StoreConfig config) {
        if (config.schema() == null) {
            return;
        }
        String current;
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(CURRENT_SCHEMA);
                ResultSet row = statement.executeQuery()) {
            row.next();
            current = row.getString(1);
        } catch (SQLException e) {
            throw new StoreException(
                    "open",
                    "cannot read the connections' schema: " + e.getMessage() + " [SQLState " + e.getSQLState() + "]",
                    e);
        }
        if (!config.schema().equals(current)) {
            throw new StoreException(
                    "open",
                    "schema: the connections work in "
                            + (current == null
                                    ? "no existing schema: '" + config.schema()
                                            + "' does not exist (create it, or open with autoMigrate)"
                                    : "schema '" + current + "', not '" + config.schema()
                                            + "' (set currentSchema on the data source)"));
        }
    }

    private static StoreException cannotConnect(StoreConfig config, Exception e) {
        return new StoreException(
                "open",
                "cannot connect to PostgreSQL at " + String.join(",", config.hosts()) + "/"
                        + config.dbName() + " as user '" + config.user() + "' within " + config.connectTimeout() + ": "
                        + rootMessage(e),
                e);
    }

    /**
     * The Hibernate settings the store runs with; META-INF/compozy-store-orm.xml lists the same classes.
     * The database and its version are given, so Hibernate picks its dialect without opening a
     * connection or running a metadata query; no orm.xml is looked for (the mapping is the two annotated
     * classes); and the unit is resource-local, so no JTA implementation on the class path is probed and
     * started.
     */
    static EntityManagerFactory createEntityManagerFactory(DataSource dataSource, Server server, String schema) {
        HibernatePersistenceConfiguration configuration = new HibernatePersistenceConfiguration(PERSISTENCE_UNIT);
        if (schema != null) {
            configuration.property(AvailableSettings.DEFAULT_SCHEMA, schema);
        }
        return Logging.quietly(() -> configuration
                .managedClasses(TaskStateEntity.class, WorkflowExecutionEntity.class)
                .property(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, dataSource)
                .property(AvailableSettings.HBM2DDL_AUTO, "none")
                .property(AvailableSettings.ALLOW_METADATA_ON_BOOT, false)
                .property(AvailableSettings.JAKARTA_HBM2DDL_DB_NAME, "PostgreSQL")
                .property(AvailableSettings.JAKARTA_HBM2DDL_DB_MAJOR_VERSION, server.major())
                .property(AvailableSettings.JAKARTA_HBM2DDL_DB_MINOR_VERSION, server.minor())
                .property(AvailableSettings.XML_MAPPING_ENABLED, false)
                .property(AvailableSettings.JTA_PLATFORM, new NoJtaPlatform())
                .createEntityManagerFactory());
    }

    /** What the driver knows of the server from the connection's start (no round trip). */
    record Server(int major, int minor, String version, String database) {
        static Server of(Connection connection) throws SQLException {
            DatabaseMetaData metaData = connection.getMetaData();
            return new Server(
                    metaData.getDatabaseMajorVersion(),
                    metaData.getDatabaseMinorVersion(),
                    metaData.getDatabaseProductVersion(),
                    connection.getCatalog());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    /** {@link #containerManaged(EntityManager, StoreConfig, StoreMetrics)} with the default settings, no metrics. */
    public static Store containerManaged(EntityManager entityManager) {
        return containerManaged(entityManager, StoreConfig.builder().build(), StoreMetrics.NONE);
    }

    /**
     * The store of a Jakarta EE application: repositories on a container-managed entity manager of a JTA
     * persistence unit (see {@link Database#containerManaged}), with the tree depth limit of
     * {@code settings} (its connection settings are not used). It owns no pool and no factory, so
     * {@link #close()} leaves both to the container; the schema is not migrated.
     */
    public static Store containerManaged(EntityManager entityManager, StoreConfig settings, StoreMetrics metrics) {
        Objects.requireNonNull(settings, "settings");
        return new Store(null, false, Database.containerManaged(entityManager, metrics), settings);
    }

    /** The task repository [NewTaskRepo]; one instance per store, thread-safe. */
    public TaskRepository taskRepository() {
        return taskRepository;
    }

    /** The workflow repository [NewWorkflowRepo]; one instance per store, thread-safe. */
    public WorkflowRepository workflowRepository() {
        return workflowRepository;
    }

    /** Raw access: data source, entity manager factory, one-off statements and transactions. */
    public Database database() {
        return database;
    }

    @Override
    public void close() {
        try {
            if (ownsFactory) {
                database.entityManagerFactory().close();
            }
        } finally {
            if (ownedPool != null) {
                ownedPool.close();
            }
        }
    }
}
