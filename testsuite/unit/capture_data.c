/* capture_data.c -- the data capture.S fills and reads.  */
#include "capture.h"

struct captured captured;
struct ret_regs ret_regs;
#include "capture_ms.h"
struct ms_captured ms_captured;
struct ms_ret_regs ms_ret;
