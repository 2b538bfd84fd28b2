/**
 * Helpers shared by the repositories. Not API: may change in any release.
 */
package dev.compozy.store.internal;
