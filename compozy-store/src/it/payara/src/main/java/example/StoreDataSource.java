package example;

import jakarta.annotation.sql.DataSourceDefinition;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The application's JTA data source, pooled and enlisted by the container; persistence.xml names it.
 * {@code ${MPCONFIG=...}} is Payara's substitution from MicroProfile Config: a system property
 * ({@code -Dcompozy.jdbc.url=...}) or an environment variable ({@code COMPOZY_JDBC_URL}). The URL should
 * carry {@code reWriteBatchedInserts=true} for the store's batched child inserts. (A web.xml
 * {@code <data-source>} cannot take the URL this way: the schema wants it to start with {@code jdbc:}.)
 */
@ApplicationScoped
@DataSourceDefinition(
        name = "java:app/jdbc/compozy",
        className = "org.postgresql.ds.PGSimpleDataSource",
        url = "${MPCONFIG=compozy.jdbc.url}",
        user = "${MPCONFIG=compozy.jdbc.user}",
        password = "${MPCONFIG=compozy.jdbc.password}",
        maxPoolSize = 8)
public class StoreDataSource {}
