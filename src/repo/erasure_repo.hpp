#pragma once
/// What the right to erasure (SPEC §3) finds beyond the rows that name the user by id:
/// copies of their contact details kept as text elsewhere — an outbox payload or recipient,
/// a delivery attempt's error, an answer kept for an idempotent replay, a gateway's answer,
/// an audit summary written before summaries named ids only. Each is a fixed column (never
/// one named by input); the service rewrites what it finds (service/erasure.cpp).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db/pool.hpp"

namespace crema::repo {

enum class TextColumn {
  outbox_recipient,
  outbox_payload,
  outbox_last_error,
  outbox_attempt_error,
  audit_summary,
  payment_raw_response,
  refund_raw_response,
  idempotency_response,
};

/// Every column erasure scans, in that order.
std::span<const TextColumn> erasable_text_columns();

/// One row whose column mentions a needle: its key (one or more columns) and the text.
struct Mention {
  std::vector<std::string> key;
  std::string text;
};

/// Rows whose `column` contains any of `needles` (compared lower-cased; needles must be
/// lower-case already). Empty needles are ignored.
std::vector<Mention> find_mentions(db::Transaction& tx, TextColumn column,
                                   const std::vector<std::string>& needles);
/// Replaces the column's text of one row found by find_mentions.
void rewrite_mention(db::Transaction& tx, TextColumn column, const Mention& row,
                     std::string_view text);

/// The user's own notifications (outbox rows with their user_id): the recipient becomes
/// `placeholder`, the payload `{}`, attempt errors are dropped, and a row still queued is
/// failed (nothing is sent to an erased person). Returns the rows changed.
std::int64_t redact_user_outbox(db::Transaction& tx, std::string_view user_id,
                                std::string_view placeholder);

}  // namespace crema::repo
