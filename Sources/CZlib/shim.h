#ifndef BLOTTER_CZLIB_SHIM_H
#define BLOTTER_CZLIB_SHIM_H

/* zlib's gzip file reader: import reads CSV and JSON Lines files as they are, or gzip-compressed. */
#include <zlib.h>

#endif
