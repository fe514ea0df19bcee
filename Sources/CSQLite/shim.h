#ifndef BATON_CSQLITE_SHIM_H
#define BATON_CSQLITE_SHIM_H
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro cast Swift cannot import; expose it as a function.
static inline sqlite3_destructor_type baton_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

// SQLITE_STATIC: SQLite uses the bytes in place (the caller keeps them alive until the statement is reset).
static inline sqlite3_destructor_type baton_sqlite_static(void) {
    return SQLITE_STATIC;
}
#endif
