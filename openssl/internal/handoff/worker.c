#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "worker.h"
#include "_cgo_export.h"

void burn(int us)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		if ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 >= us)
			return;
	}
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int job_us = -1, job_wake;
static int efd = -1;

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		int us, wake;
		uint64_t one = 1;

		pthread_mutex_lock(&mu);
		while (job_us < 0)
			pthread_cond_wait(&cv, &mu);
		us = job_us;
		wake = job_wake;
		job_us = -1;
		pthread_mutex_unlock(&mu);
		burn(us);
		if (wake == WAKE_EVENTFD) {
			/* Each job is read before the next, so the counter cannot be
			 * full: a failed write is a broken eventfd, and Go would wait
			 * for it forever. */
			if (write(efd, &one, sizeof(one)) != sizeof(one))
				abort();
		} else {
			goDone();
		}
	}
	return NULL;
}

int worker_start(void)
{
	pthread_t t;

	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0)
		return -1;
	if (pthread_create(&t, NULL, worker, NULL) != 0) {
		close(efd);
		return -1;
	}
	return efd;
}

void worker_submit(int us, int wake)
{
	pthread_mutex_lock(&mu);
	job_us = us;
	job_wake = wake;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}
