package dev.compozy.store;

import java.util.Locale;

/**
 * Which indexes the changelog builds; src/site/index-profile.md has the plans that chose them.
 *
 * <p>{@link #DEFAULT} is the Go store's catalog, so a Go service can share the database. {@link #LEAN} also
 * applies changeSet {@code 006-lean-index-profile} (Liquibase context {@code lean}): it keeps the indexes the
 * store's queries use and drops the other 23, so a task write adds 5 to 7 index entries instead of 27. The
 * change is one way for {@code autoMigrate}: a lean database stays lean when opened with the default
 * profile, and {@link Migrations#rollback} of that changeSet gives the default's indexes back.
 */
public enum IndexProfile {
    DEFAULT(null),
    LEAN("lean");

    private final String context;

    IndexProfile(String context) {
        this.context = context;
    }

    /** The Liquibase context that selects this profile's changeSets; null for the default's (none). */
    public String liquibaseContext() {
        return context;
    }

    /** {@code default} or {@code lean}, in any case. */
    public static IndexProfile parse(String value) {
        String name = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        for (IndexProfile profile : values()) {
            if (profile.name().equals(name)) {
                return profile;
            }
        }
        throw new IllegalArgumentException("index-profile: not one of default, lean");
    }
}
