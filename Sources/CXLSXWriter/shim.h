#ifndef BATON_CXLSXWRITER_SHIM_H
#define BATON_CXLSXWRITER_SHIM_H
#include <xlsxwriter.h>
#endif
