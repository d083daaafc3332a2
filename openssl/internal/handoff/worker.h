/* The C side of the handoff command: a busy loop standing in for an
 * OpenSSL call of known length, and one worker thread that runs it for Go. */
#ifndef HANDOFF_WORKER_H
#define HANDOFF_WORKER_H

/* burn computes for us microseconds (a clock loop), as a signature would. */
void burn(int us);

/* worker_start starts the worker thread and returns the eventfd it signals
 * after each job in mode WAKE_EVENTFD (non-blocking), or -1. */
int worker_start(void);

enum { WAKE_EVENTFD = 0, WAKE_CALLBACK = 1 };

/* worker_submit gives the worker one job of us microseconds; it signals the
 * eventfd or calls goDone when done, as wake says. */
void worker_submit(int us, int wake);

#endif
