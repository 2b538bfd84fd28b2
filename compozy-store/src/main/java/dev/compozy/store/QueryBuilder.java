package dev.compozy.store;

import java.util.ArrayList;
import java.util.List;

/**
 * A SELECT with optional AND-ed predicates. Column names and predicates come from the repositories'
 * own constants; every value a caller supplies goes into {@link #args()} as a bound parameter.
 */
final class QueryBuilder {
    private final StringBuilder sql;
    private final List<Object> args = new ArrayList<>();
    private String glue = " WHERE ";

    public QueryBuilder(String select) {
        this.sql = new StringBuilder(select);
    }

    /** Adds {@code predicate} (with its {@code ?} placeholders) unless the first value is null. */
    public QueryBuilder whereIfPresent(String predicate, Object value, Object... more) {
        if (value != null) {
            sql.append(glue).append(predicate);
            glue = " AND ";
            args.add(value);
            args.addAll(List.of(more));
        }
        return this;
    }

    public QueryBuilder orderBy(String order) {
        sql.append(" ORDER BY ").append(order);
        return this;
    }

    /** Appends {@code LIMIT ?} when {@code limit} is not null. */
    public QueryBuilder limit(Integer limit) {
        if (limit != null) {
            sql.append(" LIMIT ?");
            args.add(limit);
        }
        return this;
    }

    public String sql() {
        return sql.toString();
    }

    public Object[] args() {
        return args.toArray();
    }
}
