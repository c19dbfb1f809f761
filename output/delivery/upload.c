// SPDX-License-Identifier: GPL-2.0-only
/*
 * The upload queue and its thread. upload_request.c makes the requests; upload_state.c keeps
 * the progress in the store.
 *
 * One thread sends, oldest interval first, one at a time: a later interval never overtakes an
 * earlier one, which is what lets a single cursor name stand for "everything up to here is
 * done" in store mode. Refused intervals, kept on a list of their own, are queued again at
 * start before the rest: the queued names at or before the cursor are those. The lock covers
 * the queue, counters and timing; it is never held across file or network I/O, so submitting
 * from the agent's loop never waits for either.
 */
#include "upload.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "pprof_reader.h"
#include "store.h"
#include "upload_internal.h"

#define NS_PER_MS 1000000ull
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS (5 * 60 * 1000)
/* What becomes of intervals refused for now (UPLOAD_DENIED), for the log. */
#define DENIED_FATE_STORED                                                                         \
	"kept in the store, tried again every 5 minutes: fix the credentials or the URL and "      \
	"restart to send them"
#define DENIED_FATE_QUEUED "kept in the queue, tried again every 5 minutes"

/* Memory mode: one profile, as the target's gzip body. */
struct upload_item {
	void *gz;
	size_t len;
	uint64_t from_s, until_s;
};

struct uploader {
	struct upload_client *client;
	struct upload_body *body; /* the target's request body */
	enum upload_target target;
	char *store_dir; /* NULL in memory mode */
	unsigned int backoff_min_ms;
	size_t queue_max;
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock;
	pthread_cond_t wake; /* the thread: work arrived, or finish was asked */
	pthread_cond_t idle; /* uploader__finish(): the thread stopped */

	/* Below: under lock. */
	/*
	 * Store mode: pending names, oldest first, in names[head..n); names[head] is in flight.
	 * Those at or before done_name are refused intervals sent again.
	 */
	char (*names)[STORE_NAME_MAX];
	size_t names_head, names_n, names_cap;
	char done_name[STORE_NAME_MAX]; /* the cursor's copy, for submits */
	/* Memory mode: a ring of queue_max items from items_head, and one taken out to send. */
	struct upload_item *items;
	size_t items_head, items_n;
	bool busy; /* an item is out of the ring, being sent */

	struct upload_stats stats;
	uint64_t next_try_ns; /* CLOCK_MONOTONIC; 0: now */
	unsigned int backoff_ms;
	bool failing;		  /* in an outage: its first failure was logged */
	bool denied;		  /* the last reply refused this client (UPLOAD_DENIED) */
	uint64_t outage_attempts; /* failed attempts since the outage began */
	bool drop_logged;	  /* a full queue was reported in this outage */
	bool finishing, stopped, finished;
	uint64_t deadline_ns;
	uint64_t abort_at_ns; /* read atomically by curl's progress callback */
	unsigned int seed;

	bool store_moved; /* the store's folder was replaced: reopen the state */

	/* The thread's own (and uploader__open()'s before it starts). */
	struct upload_state *state; /* store mode */
	uint64_t vanished_run;	    /* store files found gone, in a row */
	bool pushed_out_logged;	    /* a full refused list was reported */
	long refusing;		    /* the status of the refusals in a row (logged once), or 0 */
	uint64_t refusals_run;	    /* refusals in that row */
};

static size_t uploader__pending_locked(const struct uploader *up)
{
	return (up->store_dir ? up->names_n - up->names_head : 0) + up->items_n + up->busy;
}

/* from = floor(start), until = ceil(end), and until > from as Pyroscope wants a span. */
static void interval_seconds(uint64_t start_ns, uint64_t end_ns, uint64_t *from_s,
			     uint64_t *until_s)
{
	if (end_ns < start_ns)
		end_ns = start_ns;
	*from_s = start_ns / NSEC_PER_SEC;
	*until_s = end_ns / NSEC_PER_SEC + (end_ns % NSEC_PER_SEC != 0);
	if (*until_s <= *from_s)
		*until_s = *from_s + 1;
}

/* Store mode: appends @name to the pending names, whatever they hold. Returns 0 or -ENOMEM. */
static int uploader__append_name(struct uploader *up, const char *name)
{
	char(*grown)[STORE_NAME_MAX];
	size_t cap;

	if (up->names_head && up->names_n == up->names_cap) {
		/* Reclaim the room of names already sent before growing. */
		memmove(up->names, up->names + up->names_head,
			(up->names_n - up->names_head) * sizeof(*up->names));
		up->names_n -= up->names_head;
		up->names_head = 0;
	}
	if (up->names_n == up->names_cap) {
		cap = up->names_cap ? 2 * up->names_cap : 64;
		grown = realloc(up->names, cap * sizeof(*up->names));
		if (!grown)
			return -ENOMEM;
		up->names = grown;
		up->names_cap = cap;
	}
	snprintf(up->names[up->names_n++], STORE_NAME_MAX, "%s", name);
	return 0;
}

/* Store mode: appends @name unless it is not newer than everything queued or done. */
static int uploader__queue_name(struct uploader *up, const char *name)
{
	const char *newest = up->names_n > up->names_head ? up->names[up->names_n - 1] :
							    up->done_name;
	int err;

	if (store__name_cmp(name, newest) <= 0)
		return 0;
	err = uploader__append_name(up, name);
	return err ? err : 1;
}

/*
 * Reads the store file @name and makes its upload: the target's body and the interval's span,
 * taken from the profile itself. Returns 0, -ENOENT for a file gone, -ENOMEM, or another
 * -errno for a file that cannot be used (-EINVAL: corrupt), with the reason in @why.
 */
static int uploader__load(struct uploader *up, const char *name, struct upload_item *item,
			  char *why, size_t whylen)
{
	struct pprof_summary summary;
	void *raw = NULL;
	size_t raw_len = 0;
	uint64_t start_ns;
	int err;

	err = store__read(upload_state__dir_fd(up->state), name, &raw, &raw_len, why, whylen);
	if (err)
		return err;
	err = pprof__read_summary(raw, raw_len, &summary);
	if (err == -ENOMEM)
		goto out_free;
	if (err) {
		snprintf(why, whylen, "not a pprof profile");
		err = -EINVAL;
		goto out_free;
	}
	/* A profile without its own time (never written so by the agent) has its name's. */
	start_ns = summary.time_ns;
	if (!start_ns && store__parse_name(name, NULL, &start_ns))
		start_ns = 0;
	if (!start_ns) {
		snprintf(why, whylen, "no start time");
		err = -EINVAL;
		goto out_free;
	}
	interval_seconds(start_ns, start_ns + summary.duration_ns, &item->from_s, &item->until_s);
	err = upload_body__make(up->body, raw, raw_len, &item->gz, &item->len, why, whylen);
out_free:
	free(raw);
	return err;
}

/*
 * Queues the refused intervals the store still holds, then those after the cursor. Without a
 * cursor, only those from @since_ns: a new server does not get the whole history. That choice
 * is written down as a cursor at once, so a restart before the first upload does not make it
 * again.
 */
static int uploader__load_store(struct uploader *up, uint64_t since_ns)
{
	struct store_entry *entries = NULL;
	const struct upload_refused *refused;
	char before[STORE_NAME_MAX];
	size_t n = 0, nrefused, i;
	int err;

	err = upload_state__open(up->store_dir, up->target, &up->state);
	if (err)
		return err;
	/* What is no regular file is skipped here too; the store's opening said so. */
	err = store__list(upload_state__dir_fd(up->state), &entries, &n, NULL);
	if (err) {
		pr_err("cannot list the store '%s': %s\n", up->store_dir, strerror(-err));
		return err;
	}
	if (!upload_state__cursor(up->state)[0]) {
		for (i = 0; i < n && entries[i].start_ns < since_ns; i++)
			;
		/*
		 * With nothing before @since_ns, the name of the millisecond before it, without a
		 * sequence (as stores named files before them), which sorts before every interval
		 * stored from now: else a start that uploads nothing would leave no cursor, and
		 * the next one would take what this one stores for old history.
		 */
		if (i) {
			upload_state__advance(up->state, entries[i - 1].name);
		} else if (since_ns >= NS_PER_MS) {
			store__format_name(0, since_ns - NS_PER_MS, before);
			upload_state__advance(up->state, before);
		}
	}
	snprintf(up->done_name, sizeof(up->done_name), "%s", upload_state__cursor(up->state));
	up->stats.skipped += upload_state__prune(up->state, entries, n);
	refused = upload_state__refused(up->state, &nrefused);
	/* Older than the cursor, so before every other name: the queue stays in order. */
	for (i = 0, err = 0; i < nrefused && !err; i++)
		err = uploader__append_name(up, refused[i].name);
	for (i = 0; i < n && err >= 0; i++)
		err = uploader__queue_name(up, entries[i].name);
	free(entries);
	if (err < 0)
		return err;
	up->stats.refused_kept = nrefused;
	if (uploader__pending_locked(up))
		pr_info("uploads to %s: %zu intervals of the store pending, %zu of them refused "
			"before\n",
			upload_client__url(up->client), uploader__pending_locked(up), nrefused);
	return 0;
}

/* @ms from now, with jitter of +-25%, so that many agents do not come back at the same instant. */
static uint64_t uploader__jittered(struct uploader *up, unsigned int ms)
{
	return monotonic_ns() +
	       (uint64_t)ms * NS_PER_MS * (75 + (uint64_t)(rand_r(&up->seed) % 51)) / 100;
}

static void uploader__account_failure(struct uploader *up, const char *why)
{
	unsigned int ms;

	up->stats.attempts_failed++;
	up->outage_attempts++;
	if (!up->failing) {
		up->failing = true;
		pr_warn("upload to %s failing: %s%s\n", upload_client__url(up->client), why,
			up->finishing ? "" : "; retrying with backoff");
	} else {
		pr_debug("upload to %s failed again: %s\n", upload_client__url(up->client), why);
	}
	/* Finishing does not wait out a long backoff, only the shortest. */
	ms = up->finishing ? up->backoff_min_ms : up->backoff_ms;
	up->next_try_ns = uploader__jittered(up, ms);
	if (!up->finishing)
		up->backoff_ms = up->backoff_ms > BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS :
								       2 * up->backoff_ms;
}

/* The server answered (accepting or refusing): any outage is over. */
static void uploader__account_reply(struct uploader *up, enum upload_result res)
{
	if (up->failing)
		pr_warn("uploads to %s recovered after %llu failed attempts\n",
			upload_client__url(up->client), (unsigned long long)up->outage_attempts);
	up->failing = false;
	up->drop_logged = false;
	up->outage_attempts = 0;
	up->backoff_ms = up->backoff_min_ms;
	up->next_try_ns = 0;
	up->denied = res == UPLOAD_DENIED;
	/* Only a new configuration or the server's own can change that answer: no haste. */
	if (up->denied)
		up->next_try_ns = uploader__jittered(up, BACKOFF_MAX_MS);
	if (res == UPLOAD_OK) {
		up->stats.uploaded++;
		if (up->refusing)
			pr_warn("uploads to %s accepted again after %llu refused\n",
				upload_client__url(up->client),
				(unsigned long long)up->refusals_run);
		up->refusing = 0;
		up->refusals_run = 0;
	} else {
		up->stats.refused++;
		up->refusals_run++;
	}
}

/*
 * Logs a refusal: the first of a row as a warning (the configuration, a limit or the profile
 * is wrong, and every interval may meet the same), the next ones with the same status at the
 * debug level; the hourly line counts them. Called by the thread without the lock.
 */
static void uploader__log_refusal(struct uploader *up, long status, const char *what,
				  const char *why, const char *fate)
{
	long was = up->refusing;

	up->refusing = status;
	log__printf(was == status ? LOG_DEBUG : LOG_WARN, "upload of %s refused: %s; %s\n", what,
		    why, fate);
}

/* The request's time limit: what is left before the deadline when finishing. */
static unsigned int uploader__timeout_ms(const struct uploader *up)
{
	uint64_t now = monotonic_ns(), left;

	if (!up->finishing)
		return UPLOAD_REQUEST_TIMEOUT_MS;
	left = up->deadline_ns > now ? (up->deadline_ns - now) / NS_PER_MS : 0;
	return left < UPLOAD_REQUEST_TIMEOUT_MS ? (unsigned int)(left ? left : 1) :
						  UPLOAD_REQUEST_TIMEOUT_MS;
}

static void uploader__pop_name(struct uploader *up)
{
	if (store__name_cmp(up->names[up->names_head], up->done_name) > 0)
		snprintf(up->done_name, sizeof(up->done_name), "%s", up->names[up->names_head]);
	up->names_head++;
	if (up->names_head == up->names_n)
		up->names_head = up->names_n = 0;
}

static size_t uploader__refused_kept(const struct uploader *up)
{
	size_t n;

	upload_state__refused(up->state, &n);
	return n;
}

/*
 * Store mode, the server refused @name: it stays listed for the next start, or is given up.
 * Returns the number of intervals given up (@name, or the oldest pushed out of a full list).
 */
static unsigned int uploader__refused(struct uploader *up, const char *name, long status,
				      const char *why)
{
	char pushed_out[STORE_NAME_MAX], fate[160], what[STORE_NAME_MAX + 2];
	bool kept;

	kept = upload_state__refuse(up->state, name, pushed_out);
	if (kept)
		snprintf(fate, sizeof(fate), "kept in the store, sent again at the next start");
	else
		snprintf(fate, sizeof(fate), "given up: refused at %d starts",
			 UPLOAD_REFUSED_TRIES);
	snprintf(what, sizeof(what), "'%s'", name);
	uploader__log_refusal(up, status, what, why, fate);
	if (pushed_out[0]) {
		log__printf(
			up->pushed_out_logged ? LOG_DEBUG : LOG_WARN,
			"%d refused intervals kept for the next start: giving up on the oldest, "
			"'%s'\n",
			UPLOAD_REFUSED_MAX, pushed_out);
		up->pushed_out_logged = true;
	}
	return !kept + (pushed_out[0] != '\0');
}

/* Store mode: one attempt at the oldest pending interval. Called and returns locked. */
static void uploader__attempt_stored(struct uploader *up)
{
	struct upload_item item = { 0 };
	enum upload_result res;
	char name[STORE_NAME_MAX], why[256];
	unsigned int timeout_ms, given_up = 0;
	bool again;
	long status;
	int err;

	snprintf(name, sizeof(name), "%s", up->names[up->names_head]);
	again = store__name_cmp(name, up->done_name) <= 0; /* refused at an earlier start */
	timeout_ms = uploader__timeout_ms(up);
	pthread_mutex_unlock(&up->lock);

	err = uploader__load(up, name, &item, why, sizeof(why));
	if (err == -ENOMEM) {
		pthread_mutex_lock(&up->lock);
		uploader__account_failure(up, "out of memory");
		return;
	}
	if (err) {
		if (err != -ENOENT)
			pr_warn("skipping the store file '%s/%s': %s\n", up->store_dir, name, why);
		else if (!up->vanished_run)
			pr_warn("skipping '%s': the store no longer holds it (removed for its "
				"limits?)\n",
				name);
		if (again)
			upload_state__forget(up->state, name);
		else
			upload_state__advance(up->state, name);
		pthread_mutex_lock(&up->lock);
		up->vanished_run = err == -ENOENT ? up->vanished_run + 1 : 0;
		up->stats.skipped++;
		up->stats.refused_kept = uploader__refused_kept(up);
		uploader__pop_name(up);
		return;
	}
	if (up->vanished_run > 1)
		pr_warn("skipped %llu intervals the store no longer holds\n",
			(unsigned long long)up->vanished_run);
	up->vanished_run = 0;

	res = upload_client__send(up->client, item.gz, item.len, item.from_s, item.until_s,
				  timeout_ms, &up->abort_at_ns, &status, why, sizeof(why));
	free(item.gz);
	/* The refused list first: a crash between the two writes then loses nothing. */
	if (res == UPLOAD_REFUSED)
		given_up = uploader__refused(up, name, status, why);
	else if (res == UPLOAD_OK && again)
		upload_state__forget(up->state, name);
	else if (res == UPLOAD_DENIED)
		uploader__log_refusal(up, status, "intervals", why, DENIED_FATE_STORED);
	if ((res == UPLOAD_OK || res == UPLOAD_REFUSED) && !again)
		upload_state__advance(up->state, name);

	pthread_mutex_lock(&up->lock);
	if (res == UPLOAD_RETRY) {
		uploader__account_failure(up, why);
		return;
	}
	uploader__account_reply(up, res);
	if (res == UPLOAD_DENIED)
		return; /* still pending: neither listed nor passed by the cursor */
	up->stats.given_up += given_up;
	up->stats.refused_kept = uploader__refused_kept(up);
	uploader__pop_name(up);
}

static void uploader__drop_oldest(struct uploader *up)
{
	free(up->items[up->items_head].gz);
	up->items_head = (up->items_head + 1) % up->queue_max;
	up->items_n--;
	up->stats.dropped++;
	if (!up->drop_logged)
		pr_warn("upload queue full (%zu profiles): dropping the oldest\n", up->queue_max);
	up->drop_logged = true;
}

/* Memory mode: one attempt at the oldest queued profile. Called and returns locked. */
static void uploader__attempt_queued(struct uploader *up)
{
	struct upload_item item = up->items[up->items_head];
	enum upload_result res;
	unsigned int timeout_ms;
	char why[256], when[48];
	struct tm tm;
	time_t t;
	long status;

	up->items_head = (up->items_head + 1) % up->queue_max;
	up->items_n--;
	up->busy = true;
	timeout_ms = uploader__timeout_ms(up);
	pthread_mutex_unlock(&up->lock);

	res = upload_client__send(up->client, item.gz, item.len, item.from_s, item.until_s,
				  timeout_ms, &up->abort_at_ns, &status, why, sizeof(why));
	if (res == UPLOAD_REFUSED) {
		t = (time_t)item.from_s;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "the interval from %Y-%m-%dT%H:%M:%SZ", &tm);
		/* Not in the store: nothing to send it from later. */
		uploader__log_refusal(up, status, when, why, "given up (not in the store)");
	} else if (res == UPLOAD_DENIED) {
		uploader__log_refusal(up, status, "intervals", why, DENIED_FATE_QUEUED);
	}

	pthread_mutex_lock(&up->lock);
	up->busy = false;
	if (res == UPLOAD_RETRY || res == UPLOAD_DENIED) {
		if (res == UPLOAD_RETRY)
			uploader__account_failure(up, why);
		else
			uploader__account_reply(up, res);
		/* Back at the front; if the queue filled meanwhile, it is the oldest to drop. */
		if (up->items_n == up->queue_max) {
			free(item.gz);
			up->stats.dropped++;
			return;
		}
		up->items_head = (up->items_head + up->queue_max - 1) % up->queue_max;
		up->items[up->items_head] = item;
		up->items_n++;
		return;
	}
	free(item.gz);
	uploader__account_reply(up, res);
	up->stats.given_up += res == UPLOAD_REFUSED;
}

static void uploader__wait_until(struct uploader *up, uint64_t when_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(when_ns / NSEC_PER_SEC),
		.tv_nsec = (long)(when_ns % NSEC_PER_SEC),
	};

	pthread_cond_timedwait(&up->wake, &up->lock, &ts);
}

/*
 * Store mode: the progress is kept in the folder the store took over (the old one is gone),
 * read as at start; the sequence goes on, so what is queued keeps its order. Names queued
 * from the old folder are skipped when their turn comes. Called and returns locked.
 */
static void uploader__follow_store(struct uploader *up)
{
	struct upload_state *fresh;
	int err;

	up->store_moved = false;
	pthread_mutex_unlock(&up->lock);
	err = upload_state__open(up->store_dir, up->target, &fresh);
	if (!err) {
		upload_state__free(up->state);
		up->state = fresh;
	}
	pthread_mutex_lock(&up->lock);
	if (!err)
		up->stats.refused_kept = uploader__refused_kept(up);
}

static void *uploader__run(void *arg)
{
	struct uploader *up = arg;
	uint64_t now, until;

	pthread_mutex_lock(&up->lock);
	for (;;) {
		if (up->store_moved)
			uploader__follow_store(up);
		now = monotonic_ns();
		if (up->finishing &&
		    (!uploader__pending_locked(up) || now >= up->deadline_ns || up->denied))
			break;
		if (!uploader__pending_locked(up)) {
			pthread_cond_wait(&up->wake, &up->lock);
			continue;
		}
		if (now < up->next_try_ns) {
			until = up->next_try_ns;
			if (up->finishing && up->deadline_ns < until)
				until = up->deadline_ns;
			uploader__wait_until(up, until);
			continue;
		}
		/* Stored intervals first; queued ones are those the store could not take. */
		if (up->store_dir && up->names_n > up->names_head)
			uploader__attempt_stored(up);
		else
			uploader__attempt_queued(up);
	}
	if (up->vanished_run > 1)
		pr_warn("skipped %llu intervals the store no longer holds\n",
			(unsigned long long)up->vanished_run);
	if (up->state)
		upload_state__flush(up->state);
	up->stopped = true;
	pthread_cond_broadcast(&up->idle);
	pthread_mutex_unlock(&up->lock);
	return NULL;
}

static int uploader__init_sync(struct uploader *up)
{
	pthread_condattr_t attr;
	int err;

	err = -pthread_condattr_init(&attr);
	if (err)
		return err;
	/* Backoff and deadlines are on the monotonic clock: wall clock jumps must not matter. */
	err = -pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!err)
		err = -pthread_cond_init(&up->wake, &attr);
	if (!err) {
		err = -pthread_cond_init(&up->idle, &attr);
		if (err)
			pthread_cond_destroy(&up->wake);
	}
	pthread_condattr_destroy(&attr);
	if (err)
		return err;
	pthread_mutex_init(&up->lock, NULL);
	return 0;
}

int uploader__open(const struct upload_opts *opts, struct uploader **out)
{
	struct uploader *up;
	int err;

	up = calloc(1, sizeof(*up));
	if (!up)
		return -ENOMEM;
	up->backoff_min_ms = opts->backoff_min_ms ? opts->backoff_min_ms : BACKOFF_MIN_MS;
	up->backoff_ms = up->backoff_min_ms;
	up->queue_max = opts->queue_max ? opts->queue_max : UPLOAD_QUEUE_DEFAULT;
	up->seed = (unsigned int)(monotonic_ns() ^ (uint64_t)getpid());
	err = uploader__init_sync(up);
	if (err) {
		free(up);
		return err;
	}
	up->target = opts->target;
	err = upload_client__open(opts, &up->client);
	if (!err)
		err = upload_body__open(opts, &up->body);
	if (err)
		goto out_free;
	err = -ENOMEM;
	if (opts->store_dir) {
		up->store_dir = strdup(opts->store_dir);
		if (!up->store_dir)
			goto out_free;
		err = uploader__load_store(up, opts->since_ns);
		if (err)
			goto out_free;
	}
	/* In store mode too: for intervals a full disk kept out of the store. */
	err = -ENOMEM;
	up->items = calloc(up->queue_max, sizeof(*up->items));
	if (!up->items)
		goto out_free;
	err = -pthread_create(&up->thread, NULL, uploader__run, up);
	if (err) {
		pr_err("cannot start the upload thread: %s\n", strerror(-err));
		goto out_free;
	}
	up->thread_started = true;
	*out = up;
	return 0;

out_free:
	uploader__free(up);
	return err;
}

void uploader__submit_stored(struct uploader *up, const char *store_name)
{
	int ret = 0;

	pthread_mutex_lock(&up->lock);
	if (up->store_dir && !up->finished)
		ret = uploader__queue_name(up, store_name);
	if (ret > 0)
		pthread_cond_signal(&up->wake);
	pthread_mutex_unlock(&up->lock);
	/* Not lost: the store keeps it, after the cursor, for the next start. */
	if (ret < 0)
		pr_warn("cannot queue '%s' for upload: %s\n", store_name, strerror(-ret));
}

void uploader__store_moved(struct uploader *up)
{
	pthread_mutex_lock(&up->lock);
	if (up->store_dir) {
		up->store_moved = true;
		pthread_cond_signal(&up->wake);
	}
	pthread_mutex_unlock(&up->lock);
}

void uploader__submit(struct uploader *up, const void *raw, size_t len, uint64_t start_ns,
		      uint64_t end_ns)
{
	struct upload_item item = { 0 };
	char why[256];
	int err;

	interval_seconds(start_ns, end_ns, &item.from_s, &item.until_s);
	/* Reads only what the body maker was opened with: safe beside the thread's requests. */
	err = upload_body__make(up->body, raw, len, &item.gz, &item.len, why, sizeof(why));
	pthread_mutex_lock(&up->lock);
	if (err || up->finished) {
		if (err)
			pr_warn("cannot make the upload of a profile: %s\n", why);
		up->stats.dropped++;
		free(item.gz);
		goto out_unlock;
	}
	if (up->items_n == up->queue_max)
		uploader__drop_oldest(up);
	up->items[(up->items_head + up->items_n) % up->queue_max] = item;
	up->items_n++;
	pthread_cond_signal(&up->wake);
out_unlock:
	pthread_mutex_unlock(&up->lock);
}

size_t uploader__finish(struct uploader *up, unsigned int timeout_ms)
{
	bool join = false;
	size_t pending;

	pthread_mutex_lock(&up->lock);
	if (!up->finished && up->thread_started) {
		up->finished = true;
		up->finishing = true;
		up->deadline_ns = monotonic_ns() + (uint64_t)timeout_ms * NS_PER_MS;
		__atomic_store_n(&up->abort_at_ns, up->deadline_ns, __ATOMIC_RELEASE);
		up->next_try_ns = 0;
		pthread_cond_broadcast(&up->wake);
		while (!up->stopped)
			pthread_cond_wait(&up->idle, &up->lock);
		join = true;
	}
	up->finished = true;
	pending = uploader__pending_locked(up);
	pthread_mutex_unlock(&up->lock);
	if (join)
		pthread_join(up->thread, NULL);
	return pending;
}

void uploader__stats(struct uploader *up, struct upload_stats *stats)
{
	pthread_mutex_lock(&up->lock);
	*stats = up->stats;
	stats->pending = uploader__pending_locked(up);
	pthread_mutex_unlock(&up->lock);
}

void uploader__free(struct uploader *up)
{
	size_t i;

	if (!up)
		return;
	uploader__finish(up, 0);
	if (up->items) {
		for (i = 0; i < up->items_n; i++)
			free(up->items[(up->items_head + i) % up->queue_max].gz);
		free(up->items);
	}
	free(up->names);
	upload_state__free(up->state);
	free(up->store_dir);
	upload_client__free(up->client);
	upload_body__free(up->body);
	pthread_cond_destroy(&up->idle);
	pthread_cond_destroy(&up->wake);
	pthread_mutex_destroy(&up->lock);
	free(up);
}
