/*
 * The daemons' clocks (core/clock.h).
 */
#include "core/clock.h"

#include <time.h>

static uint64_t ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t core_now_ms(void)
{
	return ms(CLOCK_MONOTONIC);
}

uint64_t core_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t core_wall_ms(void)
{
	return ms(CLOCK_REALTIME);
}
