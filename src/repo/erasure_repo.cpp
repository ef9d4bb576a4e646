#include "repo/erasure_repo.hpp"

namespace crema::repo {

namespace {

struct ColumnSpec {
  std::string_view table;
  std::vector<std::string_view> key;
  std::string_view column;
};

const ColumnSpec& spec(TextColumn c) {
  static const ColumnSpec kOutboxRecipient{"outbox", {"id"}, "recipient"};
  static const ColumnSpec kOutboxPayload{"outbox", {"id"}, "payload"};
  static const ColumnSpec kOutboxError{"outbox", {"id"}, "last_error"};
  static const ColumnSpec kAttemptError{"outbox_attempts", {"id"}, "error"};
  static const ColumnSpec kAudit{"audit_log", {"id"}, "summary"};
  static const ColumnSpec kPayment{"payment_transactions", {"id"}, "raw_response"};
  static const ColumnSpec kRefund{"payment_refunds", {"id"}, "raw_response"};
  static const ColumnSpec kIdempotency{
      "idempotency_keys", {"scope", "route", "idem_key"}, "response_body"};
  switch (c) {
    case TextColumn::outbox_recipient:
      return kOutboxRecipient;
    case TextColumn::outbox_payload:
      return kOutboxPayload;
    case TextColumn::outbox_last_error:
      return kOutboxError;
    case TextColumn::outbox_attempt_error:
      return kAttemptError;
    case TextColumn::audit_summary:
      return kAudit;
    case TextColumn::payment_raw_response:
      return kPayment;
    case TextColumn::refund_raw_response:
      return kRefund;
    case TextColumn::idempotency_response:
      return kIdempotency;
  }
  return kAudit;
}

// LIKE's wildcards in a needle match themselves (emails often hold '_').
std::string like_pattern(std::string_view needle) {
  std::string out = "%";
  for (char ch : needle) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "%";
}

}  // namespace

std::span<const TextColumn> erasable_text_columns() {
  static constexpr TextColumn kAll[] = {
      TextColumn::outbox_recipient,    TextColumn::outbox_payload,
      TextColumn::outbox_last_error,   TextColumn::outbox_attempt_error,
      TextColumn::audit_summary,       TextColumn::payment_raw_response,
      TextColumn::refund_raw_response, TextColumn::idempotency_response};
  return kAll;
}

std::vector<Mention> find_mentions(db::Transaction& tx, TextColumn column,
                                   const std::vector<std::string>& needles) {
  const ColumnSpec& c = spec(column);
  std::vector<std::string> patterns;
  for (const auto& n : needles)
    if (!n.empty()) patterns.push_back(like_pattern(n));
  std::vector<Mention> out;
  if (patterns.empty()) return out;
  std::string sql = "SELECT ";
  for (auto k : c.key) sql += std::string(k) + ", ";
  sql += std::string(c.column) + " FROM " + std::string(c.table) + " WHERE ";
  std::vector<db::Param> params;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    if (i) sql += " OR ";
    sql += "LOWER(" + std::string(c.column) + ") LIKE $" + std::to_string(i + 1) + " ESCAPE '\\'";
    params.emplace_back(std::string_view(patterns[i]));
  }
  auto rows = tx.exec(sql, params);
  out.reserve(rows.size());
  for (const auto& row : rows) {
    Mention m;
    for (std::size_t k = 0; k < c.key.size(); ++k) m.key.push_back(row.text(k));
    m.text = row.opt_text(c.key.size()).value_or("");
    out.push_back(std::move(m));
  }
  return out;
}

void rewrite_mention(db::Transaction& tx, TextColumn column, const Mention& row,
                     std::string_view text) {
  const ColumnSpec& c = spec(column);
  std::string sql = "UPDATE " + std::string(c.table) + " SET " + std::string(c.column) + " = $1";
  std::vector<db::Param> params{text};
  for (std::size_t k = 0; k < c.key.size() && k < row.key.size(); ++k) {
    sql += (k ? " AND " : " WHERE ") + std::string(c.key[k]) + " = $" + std::to_string(k + 2);
    params.emplace_back(std::string_view(row.key[k]));
  }
  tx.exec(sql, params);
}

std::int64_t redact_user_outbox(db::Transaction& tx, std::string_view user_id,
                                std::string_view placeholder) {
  tx.exec(
      "UPDATE outbox_attempts SET error = NULL "
      "WHERE outbox_id IN (SELECT id FROM outbox WHERE user_id = $1)",
      {user_id});
  return tx
      .exec(
          "UPDATE outbox SET recipient = $2, payload = '{}', "
          "last_error = CASE WHEN status = 'queued' THEN 'the recipient was erased' ELSE NULL "
          "END, status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END "
          "WHERE user_id = $1",
          {user_id, placeholder})
      .affected();
}

}  // namespace crema::repo
