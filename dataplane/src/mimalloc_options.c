// mimalloc defaults for the data plane, applied by a constructor before main and before the
// first allocation. `mi_option_set_default` leaves an option the environment set alone, so
// MIMALLOC_ARENA_EAGER_COMMIT=1 (or any MIMALLOC_* variable) still wins.
#include <mimalloc.h>

__attribute__((constructor(101))) static void gproxy_mimalloc_options(void) {
  // Commit arena memory on first use instead of up front: with eager commit an idle data
  // plane holds about 21 MB resident instead of 11 MB.
  mi_option_set_default(mi_option_arena_eager_commit, 0);
}
