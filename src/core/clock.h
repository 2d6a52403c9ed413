/*
 * The two clocks every daemon reads, in milliseconds: monotonic for
 * timers and durations (libev's ev_now is the wall clock, which steps),
 * and the wall clock for what goes on the wire or into the API.
 * The pure modules never call these: they take time as a parameter.
 */
#ifndef BERTH_CORE_CLOCK_H
#define BERTH_CORE_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC, ms. */
uint64_t core_now_ms(void);
/* The same clock in microseconds (BFD's timers run at 10 ms and below). */
uint64_t core_now_us(void);
/* CLOCK_REALTIME, ms since the epoch. */
uint64_t core_wall_ms(void);

#endif
