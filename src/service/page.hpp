#pragma once
/// One page of a keyset-paginated list, as services return it.

#include <optional>
#include <vector>

namespace crema::service {

/// The items and, when there are more, the sort key of the last one (the next cursor).
template <class T, class Key>
struct Page {
  std::vector<T> items;
  std::optional<Key> next;
};

/// Trims `rows` (fetched as limit + 1) to a page; `key_of` gives a row's sort key.
template <class T, class KeyOf>
auto make_page(std::vector<T> rows, int limit, KeyOf key_of)
    -> Page<T, decltype(key_of(rows.front()))> {
  Page<T, decltype(key_of(rows.front()))> page;
  if (rows.size() > static_cast<std::size_t>(limit)) {
    rows.resize(static_cast<std::size_t>(limit));
    page.next = key_of(rows.back());
  }
  page.items = std::move(rows);
  return page;
}

}  // namespace crema::service
