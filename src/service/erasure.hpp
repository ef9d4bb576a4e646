#pragma once
/// The right to erasure's sweep for copies of a person's contact details kept as text
/// (SPEC §3; repo/erasure_repo.hpp lists the columns): what the rows that name the user by
/// id do not cover — a webhook delivery carrying their order, an answer kept for an
/// idempotent replay, a gateway's answer, an older audit summary.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db/pool.hpp"

namespace crema::service {

/// What stands in for an erased value.
inline constexpr std::string_view kErasedText = "[erased]";

/// `text` with every mention of a needle gone: JSON is walked (a string holding a needle
/// becomes "[erased]", a member whose name holds one is dropped); other text has each
/// occurrence replaced. Needles are matched without regard to ASCII case.
std::string scrub_mentions(std::string_view text, const std::vector<std::string>& needles);

/// The needles of a person: their email and phone as stored, lower-cased, and the phone
/// without spaces, dots, dashes and brackets. Empty values are left out.
std::vector<std::string> contact_needles(std::string_view email, std::string_view phone);

/// Rewrites every row of the erasable columns that mentions a needle, in `tx`. Returns the
/// rows rewritten.
std::int64_t erase_contact_copies(db::Transaction& tx, const std::vector<std::string>& needles);

}  // namespace crema::service
