#pragma once
/// SQL of payments (SPEC §9): payment transactions, their refunds, the webhook events
/// applied, and the order's payment columns.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/pool.hpp"
#include "domain/statuses.hpp"
#include "repo/keyset.hpp"

namespace crema::repo {

struct PaymentRow {
  std::string id;
  std::string order_id;
  std::string gateway;
  std::int64_t amount = 0;
  std::string currency;
  std::string transaction_id;
  domain::ChargeStatus status = domain::ChargeStatus::pending;
  std::int64_t refunded_amount = 0;
  std::string raw_response = "{}";
  std::string capture_ref;
  std::string created_by;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct RefundRow {
  std::string id;
  std::string payment_id;
  std::int64_t amount = 0;
  std::string reason;
  domain::RefundStatus status = domain::RefundStatus::pending;
  std::string gateway_ref;
  std::string raw_response = "{}";
  std::string created_by;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  /// A manager asked for it (a declined one is given back); otherwise the system owes it.
  bool requested = false;
};

void insert_payment(db::Transaction& tx, const PaymentRow& p);
/// Writes the changing columns (transaction id, status, refunded amount, raw, capture ref).
void update_payment(db::Transaction& tx, const PaymentRow& p);
std::optional<PaymentRow> find_payment(db::Connection& conn, std::string_view id);
/// By Crema's id, or else by the gateway's transaction id.
std::optional<PaymentRow> find_payment_by_any_id(db::Connection& conn, std::string_view id);
std::optional<PaymentRow> find_payment_by_txn(db::Connection& conn, std::string_view gateway,
                                              std::string_view transaction_id);
/// The newest pending payment of an order at a gateway.
std::optional<PaymentRow> find_pending_payment(db::Connection& conn, std::string_view order_id,
                                               std::string_view gateway);

struct PaymentFilter {
  std::optional<std::string> order_id;
  std::optional<repo::Keyset> before;  ///< keyset (created_at, id)
  int limit = 50;
};
/// Newest first, up to limit + 1.
std::vector<PaymentRow> list_payments(db::Connection& conn, const PaymentFilter& filter);

/// The payments of a customer's orders, oldest first (the GDPR export).
std::vector<PaymentRow> payments_of_customer(db::Connection& conn, std::string_view customer_id);

void insert_refund(db::Transaction& tx, const RefundRow& r);
void update_refund(db::Transaction& tx, const RefundRow& r);
std::optional<RefundRow> find_refund(db::Connection& conn, std::string_view id);
/// Ids of refunds still pending whose last try was before `before` and that no process
/// holds a claim on at `now`, oldest first.
std::vector<std::string> pending_refunds(db::Connection& conn, std::int64_t before,
                                         std::int64_t now, int limit);
/// Claims a pending refund until `until` (the refund job's gateway call): false when it is
/// no longer pending or another process holds an unexpired claim at `now`. Exactly one of
/// racing claimers wins.
bool claim_refund(db::Transaction& tx, std::string_view id, std::int64_t now, std::int64_t until);
/// Drops the claim on a refund (in the transaction that settles it).
void release_refund_claim(db::Transaction& tx, std::string_view id);
std::vector<RefundRow> refunds_of(db::Connection& conn, std::string_view payment_id);

/// Records a webhook event as applied; false when it was already (a replay, or a racing
/// delivery that committed first — on PostgreSQL this waits for that transaction).
bool claim_event(db::Transaction& tx, std::string_view gateway, std::string_view event_id,
                 std::string_view type, std::int64_t now);

/// Moves an order's payments and refunds `shift_ms` back in time (`crema seed-demo`'s past
/// days, with repo::backdate_order).
void backdate_payments(db::Transaction& tx, std::string_view order_id, std::int64_t shift_ms);

/// The order's payment columns that the order repository does not write.
void set_order_payment(db::Transaction& tx, std::string_view order_id,
                       std::string_view payment_method, std::int64_t refunded_amount);

}  // namespace crema::repo
