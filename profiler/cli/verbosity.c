// SPDX-License-Identifier: GPL-2.0-only
#include "verbosity.h"

// clang-format off
const struct option_spec verbosity_options[] = {
	{ .name = "verbose", .short_name = 'v', .parse = option_table__count,
	  .help = "more messages (repeat for debug output)" },
	OPTION_END,
};
// clang-format on

enum log_level verbosity__log_level(int verbose, enum log_level quietest)
{
	enum log_level level = verbose >= 2 ? LOG_DEBUG : verbose ? LOG_INFO : LOG_WARN;

	return level > quietest ? level : quietest;
}

void verbosity__apply(int verbose, enum log_level quietest)
{
	log__set_level(verbosity__log_level(verbose, quietest));
}
