/// The keyset of a list sorted newest first (SPEC §2 pagination).
#pragma once

#include <cstdint>
#include <string>

namespace crema::repo {

/// Where a page of a keyset-paginated list starts: the sort time in milliseconds (created_at,
/// or the list's own time column) and the id of the last row of the previous page. Every
/// list sorted by (time, id) takes and returns this one type, from the repository through
/// its service to the handler's cursor, which carries it as the JSON array [at, id]
/// (api::keyset_page / api::keyset_page_body). SqlQuery::page writes the condition.
struct Keyset {
  std::int64_t at = 0;
  std::string id;

  bool operator==(const Keyset&) const = default;
};

}  // namespace crema::repo
