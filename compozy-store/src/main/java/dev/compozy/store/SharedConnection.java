package dev.compozy.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.Set;

/**
 * A view of a connection whose transaction belongs to someone else (an application framework): a
 * Hibernate session on it may begin, commit and close "its" transaction, and none of that reaches the
 * connection. Only the owner of the transaction ends it.
 */
final class SharedConnection {
    private static final Set<String> OWNER_ONLY = Set.of("commit", "rollback", "setAutoCommit", "close");

    private SharedConnection() {}

    public static Connection of(Connection connection) {
        InvocationHandler handler = (proxy, method, args) -> invoke(connection, method, args);
        return (Connection) Proxy.newProxyInstance(
                SharedConnection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }

    private static Object invoke(Connection connection, Method method, Object[] args) throws Throwable {
        // rollback(Savepoint) is the caller's own savepoint, not the transaction: it goes through.
        boolean wholeTransaction =
                args == null || args.length == 0 || !method.getName().equals("rollback");
        if (OWNER_ONLY.contains(method.getName()) && wholeTransaction) {
            return null;
        }
        try {
            return method.invoke(connection, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
