/* helper_thread.h - the threads that run beside the vCPUs: the console's
 * input, the boot timer's silence watch, virtio-net's receiver, the
 * virtio eventfds' waiter. */
#ifndef KVM_LINUX_HELPER_THREAD_H
#define KVM_LINUX_HELPER_THREAD_H

#include <pthread.h>

/* Starts body(arg) in *thread with every signal blocked, so that the
 * process's signals (the timeout's SIGALRM, the escape's SIGUSR1) reach the
 * main thread, which waits for the VM's end (run.c), and none cuts a
 * helper's blocking call short.  Returns 0, or pthread_create()'s error
 * number. */
int helper_thread_start(pthread_t *thread, void *(*body)(void *), void *arg);

#endif
