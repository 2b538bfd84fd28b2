package dev.compozy.store.spring;

import dev.compozy.store.Migrations;
import dev.compozy.store.Store;
import dev.compozy.store.StoreConfig;
import dev.compozy.store.StoreMetrics;
import dev.compozy.store.metrics.MicrometerStoreMetrics;
import dev.compozy.store.task.TaskRepository;
import dev.compozy.store.workflow.WorkflowRepository;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Spring Boot auto-configuration: a {@link Store} on the application's {@link DataSource} whose
 * operations join Spring-managed transactions ({@link TransactionJoiningDataSource}), its
 * {@link TaskRepository} and {@link WorkflowRepository} as beans, and {@link MicrometerStoreMetrics} on
 * the application's {@link MeterRegistry} when there is one. Settings come from a {@link StoreConfig} bean
 * of the application's if it declares one (only the settings that do not concern connections apply), and a
 * {@link StoreMetrics} bean of its own replaces the Micrometer one.
 *
 * <p>The schema is the application's to roll out, for instance by Boot's Liquibase with
 * {@code spring.liquibase.change-log=classpath:} followed by {@link Migrations#CHANGELOG}. The store is
 * created after database initialization, so beans using it at startup find the schema.
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
            "org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnClass(DelegatingDataSource.class)
@ConditionalOnSingleCandidate(DataSource.class)
public class CompozyStoreAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @DependsOnDatabaseInitialization
    public Store compozyStore(
            DataSource dataSource, ObjectProvider<StoreConfig> settings, ObjectProvider<StoreMetrics> metrics) {
        return Store.open(
                new TransactionJoiningDataSource(dataSource),
                settings.getIfAvailable(() -> StoreConfig.builder().build()),
                metrics.getIfAvailable(() -> StoreMetrics.NONE));
    }

    @Bean
    @ConditionalOnMissingBean
    public TaskRepository compozyTaskRepository(Store store) {
        return store.taskRepository();
    }

    @Bean
    @ConditionalOnMissingBean
    public WorkflowRepository compozyWorkflowRepository(Store store) {
        return store.workflowRepository();
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean(StoreMetrics.class)
        @ConditionalOnBean(MeterRegistry.class)
        MicrometerStoreMetrics compozyStoreMetrics(MeterRegistry registry) {
            return new MicrometerStoreMetrics(registry);
        }
    }
}
