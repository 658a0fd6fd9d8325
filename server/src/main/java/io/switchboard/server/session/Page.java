package io.switchboard.server.session;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * One page of a list in the order of its keys, and the cursor of the next page: the paging of
 * {@code MEMBERS} (after/limit, next), shared with the admin API's listings. A page holds at most
 * {@code limit} items whose keys come after the cursor {@code after} ({@code null}: from the
 * first); {@link #next()} is the key of its last item when more items follow, else {@code null}.
 *
 * @param items the items of this page, in key order
 * @param next the cursor of the next page, or {@code null} when this page is the last
 */
public record Page<T, K>(List<T> items, K next) {
    public Page {
        items = List.copyOf(items);
    }

    /**
     * The page of {@code all} (in any order) after {@code after}, at most {@code limit} long.
     *
     * @throws IllegalArgumentException when {@code limit} is below 1
     */
    public static <T, K> Page<T, K> of(Collection<T> all, Function<T, K> key, Comparator<K> order, K after,
            int limit) {
        return of(all, key, order, after, limit, false);
    }

    /**
     * Like {@link #of(Collection, Function, Comparator, K, int)}, where {@code all} may be a
     * prefix of the whole list ({@code truncated}: more items follow those given, after all of
     * them): a page merged from the pages of several sources, each cut at {@code limit}.
     */
    public static <T, K> Page<T, K> of(Collection<T> all, Function<T, K> key, Comparator<K> order, K after,
            int limit, boolean truncated) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit " + limit);
        }
        List<T> sorted = new ArrayList<>(all.size());
        for (T item : all) {
            if (after == null || order.compare(key.apply(item), after) > 0) {
                sorted.add(item);
            }
        }
        sorted.sort(Comparator.comparing(key, order));
        int to = Math.min(sorted.size(), limit);
        List<T> page = sorted.subList(0, to);
        boolean more = to < sorted.size() || truncated;
        return new Page<>(page, more && !page.isEmpty() ? key.apply(page.get(page.size() - 1)) : null);
    }
}
