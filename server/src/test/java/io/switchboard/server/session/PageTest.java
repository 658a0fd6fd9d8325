package io.switchboard.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The paging MEMBERS and the admin API share: order, cursor, the last page, a merged (truncated) source. */
class PageTest {
    private static Page<Long, Long> page(List<Long> all, Long after, int limit, boolean truncated) {
        return Page.of(all, Function.identity(), Long::compareUnsigned, after, limit, truncated);
    }

    @Test
    void pagesInKeyOrderWithACursor() {
        List<Long> ids = List.of(5L, 1L, -1L, 3L); // -1 is the largest unsigned id
        Page<Long, Long> first = page(ids, null, 2, false);
        assertEquals(List.of(1L, 3L), first.items());
        assertEquals(3L, first.next());
        Page<Long, Long> second = page(ids, first.next(), 2, false);
        assertEquals(List.of(5L, -1L), second.items());
        assertNull(second.next());
        assertEquals(List.of(), page(ids, -1L, 2, false).items());
        assertNull(page(ids, -1L, 2, false).next());
        assertEquals(List.of(5L), page(ids, 4L, 1, false).items());
    }

    @Test
    void aTruncatedSourceHasANextPageEvenWhenThisOneIsShort() {
        Page<Long, Long> merged = page(List.of(1L, 2L), null, 5, true);
        assertEquals(List.of(1L, 2L), merged.items());
        assertEquals(2L, merged.next());
        assertNull(page(List.of(), null, 5, true).next());
    }

    @Test
    void namesAndBadLimits() {
        Page<String, String> rooms = Page.of(List.of("b", "a", "c"), Function.identity(), Comparator.naturalOrder(), "a", 1);
        assertEquals(List.of("b"), rooms.items());
        assertEquals("b", rooms.next());
        assertThrows(IllegalArgumentException.class, () -> page(List.of(), null, 0, false));
        assertEquals(new Session.MemberPage(List.of(), 0), Session.MemberPage.of(List.of(), 0, 10));
    }
}
