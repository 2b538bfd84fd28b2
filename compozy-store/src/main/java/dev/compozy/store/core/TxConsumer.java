package dev.compozy.store.core;

/** Work inside a transaction that returns nothing; see {@link TxFunction}. */
@FunctionalInterface
public interface TxConsumer<E extends Exception> {
    void accept(Tx tx) throws E;
}
