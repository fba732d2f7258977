/*
 * sort.c — portable reference kernels of the sort family (ops/sort.h):
 * top_k_v2 and argsort.
 *
 * Paddle 3.3's CPU kernels put each row in a vector of (value, index) pairs
 * and order it with the C++ standard library, whose algorithms are not
 * stable: the order of equal values is whatever they leave. To give the same
 * indices, these kernels run the same algorithms, step by step, as GCC's
 * libstdc++ implements them (the library of the Linux wheels):
 *
 *   top_k_v2  k * 64 < n: partial_sort (heap select, then heap sort);
 *             otherwise nth_element at k - 1 (introselect), then, if sorted,
 *             sort of the first k - 1 (introsort + insertion sort)
 *   argsort   sort of the whole row, or a stable merge sort with `stable`
 *
 * with Paddle's comparators: largest / descending is "a > b, or a is NaN and
 * b is not", smallest / ascending "a < b, or b is NaN and a is not". Checked
 * against Paddle on thousands of rows with many ties and NaNs (the op_sort
 * fixture keeps some of them). None of this is in the C library: qsort's
 * order of equal elements is unspecified.
 */
#include "core/heap.h"
#include "kernels/ref/ref.h"
#include "ops/shape.h"
#include "ops/sort.h"

#include <math.h>
#include <string.h>

typedef struct item {
    double f;    /* floating values */
    int64_t i;   /* integer values */
    int64_t idx; /* position along the axis */
} item;

typedef struct sorter {
    item *a;
    bool is_float;
    bool largest;
} sorter;

/* comp(x, y): x goes before y. */
static bool comp(const sorter *s, const item *x, const item *y)
{
    if (s->is_float) {
        bool nx = isnan(x->f), ny = isnan(y->f);
        return s->largest ? (nx && !ny) || x->f > y->f : (!nx && ny) || x->f < y->f;
    }
    return s->largest ? x->i > y->i : x->i < y->i;
}

static bool cmp_at(const sorter *s, int64_t i, int64_t j)
{
    return comp(s, &s->a[i], &s->a[j]);
}

static void swap_at(sorter *s, int64_t i, int64_t j)
{
    item t = s->a[i];
    s->a[i] = s->a[j];
    s->a[j] = t;
}

static int floor_log2(int64_t n)
{
    int k = 0;
    while (n > 1) {
        n >>= 1;
        k++;
    }
    return k;
}

/* ---- heaps (core/heap.h) -------------------------------------------------- */

PDSI_HEAP_DEFINE(heap, item, sorter, comp)

/* ---- partitions and insertion sort ---------------------------------------- */

static void median_to_first(sorter *s, int64_t r, int64_t a, int64_t b, int64_t c)
{
    if (cmp_at(s, a, b)) {
        if (cmp_at(s, b, c))
            swap_at(s, r, b);
        else if (cmp_at(s, a, c))
            swap_at(s, r, c);
        else
            swap_at(s, r, a);
    } else if (cmp_at(s, a, c)) {
        swap_at(s, r, a);
    } else if (cmp_at(s, b, c)) {
        swap_at(s, r, c);
    } else {
        swap_at(s, r, b);
    }
}

/* The pivot (at p, outside [f, l)) bounds both scans, as in libstdc++. */
static int64_t unguarded_partition(sorter *s, int64_t f, int64_t l, int64_t p)
{
    for (;;) {
        while (cmp_at(s, f, p))
            f++;
        l--;
        while (cmp_at(s, p, l))
            l--;
        if (!(f < l))
            return f;
        swap_at(s, f, l);
        f++;
    }
}

static int64_t partition_pivot(sorter *s, int64_t f, int64_t l)
{
    int64_t mid = f + (l - f) / 2;
    median_to_first(s, f, f + 1, mid, l - 1);
    return unguarded_partition(s, f + 1, l, f);
}

static void linear_insert(sorter *s, int64_t last)
{
    item v = s->a[last];
    int64_t next = last - 1;
    while (comp(s, &v, &s->a[next])) {
        s->a[last] = s->a[next];
        last = next;
        next--;
    }
    s->a[last] = v;
}

static void insertion_sort(sorter *s, int64_t f, int64_t l)
{
    if (f == l)
        return;
    for (int64_t i = f + 1; i < l; i++) {
        if (cmp_at(s, i, f)) {
            item v = s->a[i];
            memmove(&s->a[f + 1], &s->a[f], sizeof(item) * (size_t)(i - f));
            s->a[f] = v;
        } else {
            linear_insert(s, i);
        }
    }
}

enum { SORT_THRESHOLD = 16 };

static void introsort_loop(sorter *s, int64_t f, int64_t l, int depth)
{
    while (l - f > SORT_THRESHOLD) {
        if (depth == 0) {
            heap_partial_sort(s, s->a, f, l, l);
            return;
        }
        depth--;
        int64_t cut = partition_pivot(s, f, l);
        introsort_loop(s, cut, l, depth);
        l = cut;
    }
}

static void std_sort(sorter *s, int64_t f, int64_t l)
{
    if (l - f < 1)
        return;
    introsort_loop(s, f, l, floor_log2(l - f) * 2);
    if (l - f > SORT_THRESHOLD) {
        insertion_sort(s, f, f + SORT_THRESHOLD);
        for (int64_t i = f + SORT_THRESHOLD; i < l; i++)
            linear_insert(s, i);
    } else {
        insertion_sort(s, f, l);
    }
}

static void nth_element(sorter *s, int64_t f, int64_t nth, int64_t l)
{
    if (f == l || nth == l)
        return;
    int depth = floor_log2(l - f) * 2;
    while (l - f > 3) {
        if (depth == 0) {
            heap_select(s, s->a, f, nth + 1, l);
            swap_at(s, f, nth);
            return;
        }
        depth--;
        int64_t cut = partition_pivot(s, f, l);
        if (cut <= nth)
            f = cut;
        else
            l = cut;
    }
    insertion_sort(s, f, l);
}

/* A stable merge sort of [0, n) using tmp (n items): argsort with `stable`. */
static void stable_sort(sorter *s, item *tmp, int64_t n)
{
    for (int64_t w = 1; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = comp(s, &s->a[j], &s->a[i]) ? s->a[j++] : s->a[i++];
            while (i < mid)
                tmp[k++] = s->a[i++];
            while (j < hi)
                tmp[k++] = s->a[j++];
        }
        memcpy(s->a, tmp, sizeof(item) * (size_t)n);
    }
}

/* ---- the kernel ----------------------------------------------------------- */

pds_status pdsi_sort_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                         pdsi_exec *ex, pds_error *err)
{
    const pdsi_sort_params *p = params;
    const char *op = p->kind == PDSI_SORT_TOPK ? "top_k_v2" : "argsort";
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pdsi_tensor *ix = pdsi_slot_get(&out[1]);
    pdsi_sort_geom g;
    pds_status st;
    if ((st = pdsi_sort_resolve(p, in, &g, err)))
        return st;
    const int64_t numel = g.outer * g.k * g.inner;
    if ((o && (o->dtype != x->dtype || pdsi_tensor_numel(o) != numel || (numel && !o->data))) ||
        (ix && (ix->dtype != PDS_INT64 || pdsi_tensor_numel(ix) != numel ||
                (numel && !ix->data))))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: outputs do not match their inferred shape",
                         op);
    if (numel == 0)
        return PDS_OK;
    if (!x->data)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: input 'X' has no data", op);
    item *buf = pdsi_exec_scratch(ex, sizeof(item) * (size_t)g.n * (p->stable ? 2 : 1));
    if (!buf)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "%s: could not allocate %lld sort entries",
                         op, (long long)g.n);
    sorter s = {buf, pdsi_dtype_is_float(x->dtype), p->largest};
    const size_t es = pds_dtype_size(x->dtype);
    for (int64_t r = 0; r < g.outer; r++) {
        for (int64_t c = 0; c < g.inner; c++) {
            const int64_t base = r * g.n * g.inner + c;
            for (int64_t j = 0; j < g.n; j++) {
                int64_t e = base + j * g.inner;
                buf[j].idx = j;
                if (s.is_float)
                    buf[j].f = pdsi_elem_get_f64(x->data, x->dtype, e);
                else
                    buf[j].i = pdsi_elem_get_i64(x->data, x->dtype, e);
            }
            if (p->kind == PDSI_SORT_ARGSORT) {
                if (p->stable)
                    stable_sort(&s, buf + g.n, g.n);
                else
                    std_sort(&s, 0, g.n);
            } else if (g.k * 64 < g.n) {
                heap_partial_sort(&s, s.a, 0, g.k, g.n);
            } else {
                nth_element(&s, 0, g.k - 1, g.n);
                if (p->sorted)
                    std_sort(&s, 0, g.k - 1);
            }
            const int64_t obase = r * g.k * g.inner + c;
            for (int64_t j = 0; j < g.k; j++) {
                int64_t e = obase + j * g.inner;
                if (o)
                    memcpy((char *)o->data + (size_t)e * es,
                           (const char *)x->data + (size_t)(base + buf[j].idx * g.inner) * es,
                           es);
                if (ix)
                    ((int64_t *)ix->data)[e] = buf[j].idx;
            }
        }
    }
    return PDS_OK;
}

const pdsi_ref_binding pdsi_ref_sort_kernels[] = {
    {PDSI_OP_TOP_K_V2, pdsi_sort_ref},
    {PDSI_OP_ARGSORT, pdsi_sort_ref},
};
PDSI_REF_TABLE_CHECK(SORT, sort);
