// RocksDB's C API: the persistent state stores use Debian's librocksdb-dev through it.
#include <rocksdb/c.h>
