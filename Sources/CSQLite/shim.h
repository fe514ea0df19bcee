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

// Memory statistics cost a global mutex on every allocation and Baton never reads them. sqlite3_config is variadic
// (Swift cannot call it) and only works before SQLite initializes: call this before the first connection opens.
static inline int baton_sqlite_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
