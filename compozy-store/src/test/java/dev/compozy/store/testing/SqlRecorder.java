package dev.compozy.store.testing;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.sql.DataSource;

/**
 * A data source decorator that records every statement the store sends to the driver: its SQL and how
 * many parameter sets went with each execution (1 for a plain execute, n for a batch of n). One
 * execution is one round trip from the application to the driver.
 */
public final class SqlRecorder {
    /** One execution: the SQL, and the number of parameter sets it carried. */
    public record Execution(String sql, int parameterSets, boolean batch) {}

    /** Recorded for every {@link Connection#commit()}, so tests can see where transactions end. */
    public static final String COMMIT = "COMMIT";

    private final List<Execution> executions = Collections.synchronizedList(new ArrayList<>());
    private final DataSource dataSource;

    public SqlRecorder(DataSource target) {
        this.dataSource = proxy(
                DataSource.class,
                target,
                (method, args, result) ->
                        "getConnection".equals(method.getName()) ? proxyConnection((Connection) result) : result);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public List<Execution> executions() {
        synchronized (executions) {
            return List.copyOf(executions);
        }
    }

    /** The executions whose SQL contains the fragment (case-insensitive). */
    public List<Execution> matching(String fragment) {
        String needle = fragment.toLowerCase();
        return executions().stream()
                .filter(e -> e.sql().toLowerCase().contains(needle))
                .toList();
    }

    public void clear() {
        executions.clear();
    }

    private interface AfterCall {
        Object after(Method method, Object[] args, Object result) throws Exception;
    }

    private Connection proxyConnection(Connection connection) {
        return proxy(Connection.class, connection, (method, args, result) -> {
            if ("prepareStatement".equals(method.getName())) {
                return proxyStatement(PreparedStatement.class, (Statement) result, (String) args[0]);
            }
            if ("createStatement".equals(method.getName())) {
                return proxyStatement(Statement.class, (Statement) result, null);
            }
            if ("commit".equals(method.getName())) {
                executions.add(new Execution(COMMIT, 0, false));
            }
            return result;
        });
    }

    private <S extends Statement> S proxyStatement(Class<S> type, Statement statement, String preparedSql) {
        int[] pending = {0};
        InvocationHandler handler = (self, method, args) -> {
            String name = method.getName();
            if ("addBatch".equals(name)) {
                pending[0]++;
            }
            Object result = invoke(method, statement, args);
            if ("executeBatch".equals(name) || "executeLargeBatch".equals(name)) {
                executions.add(new Execution(preparedSql, pending[0], true));
                pending[0] = 0;
            } else if (name.startsWith("execute")) {
                String sql = args != null && args.length > 0 && args[0] instanceof String s ? s : preparedSql;
                executions.add(new Execution(sql, 1, false));
            }
            return result;
        };
        return type.cast(Proxy.newProxyInstance(SqlRecorder.class.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static <T> T proxy(Class<T> type, T target, AfterCall after) {
        InvocationHandler handler = (self, method, args) -> after.after(method, args, invoke(method, target, args));
        return type.cast(Proxy.newProxyInstance(SqlRecorder.class.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
