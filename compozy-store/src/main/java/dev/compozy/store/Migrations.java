package dev.compozy.store;

import dev.compozy.store.core.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import liquibase.Scope;
import liquibase.UpdateSummaryOutputEnum;
import liquibase.command.CommandScope;
import liquibase.command.core.RollbackCountCommandStep;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.DatabaseChangelogCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.command.core.helpers.ShowSummaryArgument;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.ui.LoggerUIService;

/**
 * Applies the store's Liquibase changelog ({@value #CHANGELOG} in the jar, built from {@code changelog/} at
 * the top of the source tree); the Liquibase CLI takes the same path with the jar on its class path.
 *
 * <p>Liquibase's own lock table serialises processes once it exists, but two processes creating it at
 * the same moment on an empty database can still collide, so every run first takes a PostgreSQL
 * session-level advisory lock on the migrating connection: processes that start together apply the
 * changelog one after another, and the later ones find nothing left to do.
 *
 * <p>With a schema (a tenant), the schema is created if absent, and the changelog's tables and
 * Liquibase's own DATABASECHANGELOG and DATABASECHANGELOGLOCK tables all live in it, so every tenant is
 * migrated, and knows what it has applied, on its own.
 */
public final class Migrations {
    public static final String CHANGELOG = "dev/compozy/store/db/db.changelog-master.xml";

    private static final String ANALYTICS_ENABLED = "liquibase.analytics.enabled";
    static final long ADVISORY_LOCK_KEY = 0x636f6d706f7a79L;
    private static final String LOCK = "SELECT pg_advisory_lock(?)";
    private static final String UNLOCK = "SELECT pg_advisory_unlock(?)";
    private static final String NO_LOCK_TIMEOUT = "SET lock_timeout = 0";
    private static final String SESSION_LOCK_TIMEOUT = "RESET lock_timeout";
    /** Identifiers cannot be bound; a schema name is checked against a pattern that needs no quoting first. */
    private static final String CREATE_SCHEMA = "CREATE SCHEMA IF NOT EXISTS %s";

    private static final String SET_SCHEMA = "SET search_path TO %s";
    private static final String SESSION_SCHEMA = "RESET search_path";

    private Migrations() {}

    /** Applies every pending changeSet of the default index profile in the connections' own schema. */
    public static void update(DataSource dataSource) {
        update(dataSource, null, IndexProfile.DEFAULT);
    }

    /** Applies every pending changeSet of the given index profile (on a default database: switches it). */
    public static void update(DataSource dataSource, IndexProfile profile) {
        update(dataSource, null, profile);
    }

    /**
     * Applies every pending changeSet of the given index profile in {@code schema}, creating it if absent;
     * a null schema: the connections' own.
     */
    public static void update(DataSource dataSource, String schema, IndexProfile profile) {
        String context = Objects.requireNonNull(profile, "profile").liquibaseContext();
        withLiquibase(
                dataSource,
                schema,
                "migrate",
                CHANGELOG,
                database -> new CommandScope(UpdateCommandStep.COMMAND_NAME)
                        .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                        .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, CHANGELOG)
                        .addArgumentValue(UpdateCommandStep.CONTEXTS_ARG, context)
                        .addArgumentValue(ShowSummaryArgument.SHOW_SUMMARY_OUTPUT, UpdateSummaryOutputEnum.LOG)
                        .execute());
    }

    /** Applies another changelog of the class path: the opt-in variants ({@code dev/compozy/store/db/variants/}, from {@code changelog/variants/}). */
    static void updateChangelog(DataSource dataSource, String schema, String changelog) {
        withLiquibase(
                dataSource,
                schema,
                "migrate",
                changelog,
                database -> new CommandScope(UpdateCommandStep.COMMAND_NAME)
                        .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                        .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, changelog)
                        .addArgumentValue(ShowSummaryArgument.SHOW_SUMMARY_OUTPUT, UpdateSummaryOutputEnum.LOG)
                        .execute());
    }

    /**
     * Rolls back the last {@code count} applied changeSets, newest first, whichever profile applied them:
     * without the lean context Liquibase would pass over an applied lean changeSet and undo the one before it.
     */
    public static void rollback(DataSource dataSource, int count) {
        rollback(dataSource, null, count);
    }

    /** Rolls back the last {@code count} changeSets applied in {@code schema}; null: the connections' own schema. */
    public static void rollback(DataSource dataSource, String schema, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count: must be at least 1, got " + count);
        }
        withLiquibase(
                dataSource,
                schema,
                "rollback",
                CHANGELOG,
                database -> new CommandScope(RollbackCountCommandStep.COMMAND_NAME)
                        .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                        .addArgumentValue(DatabaseChangelogCommandStep.CHANGELOG_FILE_ARG, CHANGELOG)
                        .addArgumentValue(
                                DatabaseChangelogCommandStep.CONTEXTS_ARG, IndexProfile.LEAN.liquibaseContext())
                        .addArgumentValue(RollbackCountCommandStep.COUNT_ARG, count)
                        .execute());
    }

    private interface LiquibaseWork {
        void run(Database database) throws Exception;
    }

    private static void withLiquibase(
            DataSource dataSource, String schema, String operation, String changelog, LiquibaseWork work) {
        if (schema != null) {
            ConfigValues.requireSchemaName(schema);
        }
        try (Connection connection = dataSource.getConnection()) {
            // A process waits for another's migration as long as that takes, whatever lock_timeout the
            // store's sessions run with; RESET gives the pooled connection its own setting back.
            execute(connection, NO_LOCK_TIMEOUT);
            advisoryLock(connection, LOCK);
            try {
                if (schema != null) {
                    execute(connection, CREATE_SCHEMA.formatted(schema));
                    execute(connection, SET_SCHEMA.formatted(schema));
                }
                Map<String, Object> scope = new HashMap<>();
                scope.put(
                        Scope.Attr.resourceAccessor.name(),
                        new ClassLoaderResourceAccessor(Migrations.class.getClassLoader()));
                // LoggerUIService: a library's migration reports through logging, not on the application's stdout.
                scope.put(Scope.Attr.ui.name(), new LoggerUIService());
                // Liquibase's usage reporting would call its server from the application's start.
                scope.put(ANALYTICS_ENABLED, false);
                LiquibaseLogService log = LiquibaseLogService.ifSlf4jBound();
                if (log != null) {
                    scope.put(Scope.Attr.logService.name(), log);
                }
                Scope.child(scope, () -> {
                    Database database = DatabaseFactory.getInstance()
                            .findCorrectDatabaseImplementation(new JdbcConnection(connection));
                    if (schema != null) {
                        database.setDefaultSchemaName(schema);
                        database.setLiquibaseSchemaName(schema);
                    }
                    work.run(database);
                });
            } finally {
                if (!connection.getAutoCommit()) {
                    connection.rollback();
                    // Outside a transaction, so that no rollback can undo the RESET below.
                    connection.setAutoCommit(true);
                }
                advisoryLock(connection, UNLOCK);
                execute(connection, SESSION_LOCK_TIMEOUT);
                execute(connection, SESSION_SCHEMA);
            }
        } catch (SQLException e) {
            throw new StoreException(
                    operation,
                    "changelog " + changelog + where(schema) + ": " + e.getMessage() + " [SQLState " + e.getSQLState()
                            + "]",
                    e);
        } catch (StoreException e) {
            throw e;
        } catch (Exception e) {
            throw new StoreException(operation, "changelog " + changelog + where(schema) + ": " + e.getMessage(), e);
        }
    }

    private static String where(String schema) {
        return schema == null ? "" : " in schema " + schema;
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.execute();
        }
    }

    private static void advisoryLock(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, ADVISORY_LOCK_KEY);
            statement.execute();
        }
    }
}
