/* trace-cmd's binary trace.dat, read through libtracecmd/libtraceevent (the tracer's own readers),
 * handed to capture as the text lines `trace-cmd report -t` prints for the events capture uses:
 * kvm_mmio (the accesses), kvm_entry/kvm_exit (which close a read whose completion never came) and
 * the dropped-event marks. capture then parses them with its trace-cmd parser, so a trace.dat gives
 * exactly the accesses of its text form. Timestamps keep the file's nanoseconds.
 *
 * Lines come out a buffer at a time: the events of the top-level buffer and of every instance
 * (trace-cmd record -B NAME) are merged by timestamp by tracecmd_iterate_events_multi, which the
 * callback stops once the caller's buffer is full; the next call resumes where it stopped, because
 * the per-CPU read cursors live in the handles. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trace-cmd.h>

#define API __attribute__((visibility("default")))
#define LINE_MAX_BYTES 512

enum { EV_MMIO, EV_ENTRY, EV_EXIT, EV_KINDS };

struct handle_events {
    struct tracecmd_input *in;
    struct tep_handle *tep;
    int id[EV_KINDS];
    struct tep_format_field *type, *len, *gpa, *val;
};

struct msx_tracedat {
    struct tracecmd_input *top;
    struct handle_events *h;
    int nh;
    /* the caller's buffer during one read call */
    uint8_t *out;
    uint32_t cap, used;
    /* a line that did not fit: written first by the next call */
    char pending[LINE_MAX_BYTES];
    int pending_len;
    int done;
};

static int event_id(struct tep_handle *tep, const char *name)
{
    struct tep_event *e = tep_find_event_by_name(tep, "kvm", name);
    return e ? e->id : -1;
}

static void bind_events(struct handle_events *he)
{
    he->tep = tracecmd_get_tep(he->in);
    he->id[EV_MMIO] = event_id(he->tep, "kvm_mmio");
    he->id[EV_ENTRY] = event_id(he->tep, "kvm_entry");
    he->id[EV_EXIT] = event_id(he->tep, "kvm_exit");
    struct tep_event *mmio = tep_find_event_by_name(he->tep, "kvm", "kvm_mmio");
    if (mmio) {
        he->type = tep_find_field(mmio, "type");
        he->len = tep_find_field(mmio, "len");
        he->gpa = tep_find_field(mmio, "gpa");
        he->val = tep_find_field(mmio, "val");
    }
}

static const char *mmio_type(unsigned long long t)
{
    /* KVM_TRACE_MMIO_READ_UNSATISFIED, _READ, _WRITE (include/trace/events/kvm.h) */
    return t == 0 ? "unsatisfied-read" : t == 1 ? "read" : t == 2 ? "write" : "unknown";
}

static int put(struct msx_tracedat *t, const char *line, int n)
{
    if (n < 0)
        return 0;
    if (n >= LINE_MAX_BYTES)
        n = LINE_MAX_BYTES - 1;
    if (t->used + (uint32_t)n > t->cap) {
        memcpy(t->pending, line, (size_t)n);
        t->pending_len = n;
        return -1; /* stops the iteration; this record is already consumed, so it waits in pending */
    }
    memcpy(t->out + t->used, line, (size_t)n);
    t->used += (uint32_t)n;
    return 0;
}

static int on_record(struct tracecmd_input *in, struct tep_record *rec, int cpu_index, void *data)
{
    (void)cpu_index;
    struct msx_tracedat *t = data;
    struct handle_events *he = NULL;
    for (int i = 0; i < t->nh; i++)
        if (t->h[i].in == in)
            he = &t->h[i];
    if (!he)
        return 0;
    char line[LINE_MAX_BYTES];
    int n = 0;
    if (rec->missed_events > 0)
        n = snprintf(line, sizeof line, "CPU:%d [%lld EVENTS DROPPED]\n", rec->cpu, rec->missed_events);
    else if (rec->missed_events < 0)
        n = snprintf(line, sizeof line, "CPU:%d [LOST EVENTS]\n", rec->cpu);
    int type = tep_data_type(he->tep, rec);
    int kind = -1;
    for (int k = 0; k < EV_KINDS; k++)
        if (he->id[k] >= 0 && type == he->id[k])
            kind = k;
    if (kind >= 0) {
        int pid = tep_data_pid(he->tep, rec);
        const char *comm = tep_data_comm_from_pid(he->tep, pid);
        unsigned long long sec = rec->ts / 1000000000ull, nsec = rec->ts % 1000000000ull;
        int m = snprintf(line + n, sizeof line - (size_t)n, "%16s-%-5d [%03d] %llu.%09llu: ", comm, pid, rec->cpu, sec, nsec);
        if (m > 0 && n + m < (int)sizeof line)
            n += m;
        if (kind == EV_MMIO) {
            unsigned long long ty = 0, len = 0, gpa = 0, val = 0;
            if (!he->type || !he->len || !he->gpa || !he->val || tep_read_number_field(he->type, rec->data, &ty) ||
                tep_read_number_field(he->len, rec->data, &len) || tep_read_number_field(he->gpa, rec->data, &gpa) ||
                tep_read_number_field(he->val, rec->data, &val))
                m = snprintf(line + n, sizeof line - (size_t)n, "kvm_mmio:             mmio (unreadable record)\n");
            else
                m = snprintf(line + n, sizeof line - (size_t)n, "kvm_mmio:             mmio %s len %llu gpa 0x%llx val 0x%llx\n",
                             mmio_type(ty), len, gpa, val);
        } else {
            m = snprintf(line + n, sizeof line - (size_t)n, "%s\n", kind == EV_ENTRY ? "kvm_entry:" : "kvm_exit:");
        }
        if (m > 0 && n + m < (int)sizeof line)
            n += m;
    }
    return n ? put(t, line, n) : 0;
}

API int32_t msx_tracedat_available(void)
{
    return 1;
}

API struct msx_tracedat *msx_tracedat_open(const char *path, char *err, uint32_t errlen)
{
    tracecmd_set_loglevel(TEP_LOG_NONE);
    tep_set_loglevel(TEP_LOG_NONE);
    struct tracecmd_input *top = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
    if (!top) {
        snprintf(err, errlen, "libtracecmd cannot open it as a trace.dat file");
        return NULL;
    }
    struct msx_tracedat *t = calloc(1, sizeof *t);
    int ninst = tracecmd_buffer_instances(top);
    if (ninst < 0)
        ninst = 0;
    if (t)
        t->h = calloc((size_t)ninst + 1, sizeof *t->h);
    if (!t || !t->h) {
        if (t)
            free(t->h);
        free(t);
        tracecmd_close(top);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->top = top;
    t->h[t->nh++].in = top;
    for (int i = 0; i < ninst; i++) {
        struct tracecmd_input *in = tracecmd_buffer_instance_handle(top, i);
        if (in)
            t->h[t->nh++].in = in;
    }
    for (int i = 0; i < t->nh; i++)
        bind_events(&t->h[i]);
    return t;
}

/* Fills buf with whole lines; returns the bytes written, 0 at the end of the trace, -1 on error. */
API int64_t msx_tracedat_read(struct msx_tracedat *t, uint8_t *buf, uint32_t cap)
{
    if (!t || cap < LINE_MAX_BYTES)
        return -1;
    t->out = buf;
    t->cap = cap;
    t->used = 0;
    if (t->pending_len) {
        memcpy(buf, t->pending, (size_t)t->pending_len);
        t->used = (uint32_t)t->pending_len;
        t->pending_len = 0;
    }
    if (t->done)
        return t->used;
    struct tracecmd_input *ins[t->nh];
    for (int i = 0; i < t->nh; i++)
        ins[i] = t->h[i].in;
    int rc = tracecmd_iterate_events_multi(ins, t->nh, on_record, t);
    if (rc >= 0)
        t->done = 1; /* ran to the end (a stop by a full buffer returns -1 with a line pending) */
    else if (!t->pending_len)
        return -1;
    return t->used;
}

API void msx_tracedat_close(struct msx_tracedat *t)
{
    if (!t)
        return;
    /* instance handles belong to the top handle's caller: close them before it */
    for (int i = 1; i < t->nh; i++)
        tracecmd_close(t->h[i].in);
    tracecmd_close(t->top);
    free(t->h);
    free(t);
}
