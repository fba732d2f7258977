/*
 * heap.h — the binary-heap algorithms of GCC's libstdc++ (std::make_heap,
 * pop_heap, sort_heap, the heap select of std::partial_sort), step by step as
 * that library implements them, for any element type.
 *
 * Paddle's CPU kernels order with the C++ standard library, whose algorithms
 * are not stable: elements that compare equal come out in whatever order the
 * steps leave them. To give Paddle's indices for equal keys (top_k_v2,
 * matrix_nms), pdsafe runs the same steps; this is their one copy.
 *
 * PDSI_HEAP_DEFINE(name, T, C, before) defines static inline functions on an
 * array a of T, where before(c, x, y) (c: const C *, x and y: const T *) is
 * true when *x goes before *y (the comparator given to the C++ algorithm;
 * the heap's top is an element no other goes before):
 *
 *   name_make(c, a, f, l)              std::make_heap(a + f, a + l)
 *   name_pop(c, a, f, l, r)            moves the top of heap [f, l) to r and
 *                                      r's element into the heap (__pop_heap)
 *   name_select(c, a, f, m, l)         __heap_select: [f, m) becomes a heap of
 *                                      the m - f elements of [f, l) that go first
 *   name_sort(c, a, f, l)              std::sort_heap(a + f, a + l)
 *   name_partial_sort(c, a, f, m, l)   std::partial_sort(a + f, a + m, a + l)
 *
 * Indices are int64_t; the caller keeps f <= m <= l within the array.
 */
#ifndef PDSI_CORE_HEAP_H
#define PDSI_CORE_HEAP_H

#include <stdint.h>

#define PDSI_HEAP_DEFINE(name, T, C, before)                                                  \
    /* std::__push_heap: v climbs from hole while its parent goes after it. */               \
    static inline void name##_push(const C *c, T *a, int64_t f, int64_t hole, int64_t top,   \
                                   T v)                                                      \
    {                                                                                        \
        int64_t parent = (hole - 1) / 2;                                                     \
        while (hole > top && before(c, &a[f + parent], &v)) {                                \
            a[f + hole] = a[f + parent];                                                     \
            hole = parent;                                                                   \
            parent = (hole - 1) / 2;                                                         \
        }                                                                                    \
        a[f + hole] = v;                                                                     \
    }                                                                                        \
    /* std::__adjust_heap: the hole sinks to a leaf along the first-going     \
     * children, then v is pushed up from there. */                                          \
    static inline void name##_adjust(const C *c, T *a, int64_t f, int64_t hole, int64_t len, \
                                     T v)                                                    \
    {                                                                                        \
        const int64_t top = hole;                                                            \
        int64_t child = hole;                                                                \
        while (child < (len - 1) / 2) {                                                      \
            child = 2 * (child + 1);                                                         \
            if (before(c, &a[f + child], &a[f + child - 1]))                                 \
                child--;                                                                     \
            a[f + hole] = a[f + child];                                                      \
            hole = child;                                                                    \
        }                                                                                    \
        if ((len & 1) == 0 && child == (len - 2) / 2) {                                      \
            child = 2 * (child + 1);                                                         \
            a[f + hole] = a[f + child - 1];                                                  \
            hole = child - 1;                                                                \
        }                                                                                    \
        name##_push(c, a, f, hole, top, v);                                                  \
    }                                                                                        \
    static inline void name##_make(const C *c, T *a, int64_t f, int64_t l)                   \
    {                                                                                        \
        const int64_t len = l - f;                                                           \
        if (len < 2)                                                                         \
            return;                                                                          \
        for (int64_t parent = (len - 2) / 2;; parent--) {                                    \
            name##_adjust(c, a, f, parent, len, a[f + parent]);                              \
            if (parent == 0)                                                                 \
                return;                                                                      \
        }                                                                                    \
    }                                                                                        \
    static inline void name##_pop(const C *c, T *a, int64_t f, int64_t l, int64_t r)         \
    {                                                                                        \
        T v = a[r];                                                                          \
        a[r] = a[f];                                                                         \
        name##_adjust(c, a, f, 0, l - f, v);                                                 \
    }                                                                                        \
    static inline void name##_select(const C *c, T *a, int64_t f, int64_t m, int64_t l)      \
    {                                                                                        \
        name##_make(c, a, f, m);                                                             \
        for (int64_t i = m; i < l; i++)                                                      \
            if (before(c, &a[i], &a[f]))                                                     \
                name##_pop(c, a, f, m, i);                                                   \
    }                                                                                        \
    static inline void name##_sort(const C *c, T *a, int64_t f, int64_t l)                   \
    {                                                                                        \
        while (l - f > 1) {                                                                  \
            l--;                                                                             \
            name##_pop(c, a, f, l, l);                                                       \
        }                                                                                    \
    }                                                                                        \
    static inline void name##_partial_sort(const C *c, T *a, int64_t f, int64_t m,           \
                                           int64_t l)                                        \
    {                                                                                        \
        name##_select(c, a, f, m, l);                                                        \
        name##_sort(c, a, f, m);                                                             \
    }

#endif
