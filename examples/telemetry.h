/*
 * telemetry.h - the record the telemetry examples share: one named mapping
 * (default "telemetry") holding a struct telemetry, updated under a
 * sequence lock (seq odd while the writer changes it; a reader retries
 * until it reads the same even seq before and after), and two named
 * semaphores: NAME.attached (each reader adds 1 when it starts) and
 * NAME.detached (each reader adds 1 when it leaves).  Python's reader
 * (telemetry_reader.py) reads the same layout with struct "<IIQdQ".
 */
#ifndef TELEMETRY_H
#define TELEMETRY_H

#include <stdint.h>

struct telemetry {
    uint32_t seq;     /* sequence lock */
    uint32_t done;    /* 1 after the last sample */
    uint64_t sample;  /* 1, 2, 3 ... */
    double value;     /* the measurement */
    uint64_t time_ns; /* CLOCK_REALTIME of the sample */
};

#endif
