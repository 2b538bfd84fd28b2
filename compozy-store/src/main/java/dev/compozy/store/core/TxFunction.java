package dev.compozy.store.core;

/**
 * Work inside a transaction that returns a value. Its checked exception type is inferred, so a function
 * that throws none needs no try/catch, and one that throws {@code IOException} propagates it unchanged.
 */
@FunctionalInterface
public interface TxFunction<T, E extends Exception> {
    T apply(Tx tx) throws E;
}
