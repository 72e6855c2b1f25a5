/* helper_thread.c - starting a helper thread with every signal blocked
 * (helper_thread.h says why). */
#include "helper_thread.h"

#include <signal.h>

int helper_thread_start(pthread_t *thread, void *(*body)(void *), void *arg)
{
	sigset_t all, old;
	int ret;

	/* A new thread starts with its creator's mask: block everything just
	 * for the creation, and the caller's own mask is as it was. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(thread, NULL, body, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}
