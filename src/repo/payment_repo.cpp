#include "repo/payment_repo.hpp"

#include "repo/params.hpp"
#include "repo/query.hpp"

namespace crema::repo {

namespace {

constexpr std::string_view kPaymentColumns =
    "id, order_id, gateway, amount, currency, transaction_id, status, refunded_amount, "
    "raw_response, capture_ref, created_by, created_at, updated_at";
constexpr std::string_view kRefundColumns =
    "id, payment_id, amount, reason, status, gateway_ref, raw_response, created_by, created_at, "
    "updated_at, requested";

PaymentRow payment_of(const db::Row& r) {
  PaymentRow p;
  p.id = r.text(0);
  p.order_id = r.text(1);
  p.gateway = r.text(2);
  p.amount = r.int64(3);
  p.currency = r.text(4);
  p.transaction_id = r.text(5);
  p.status = domain::kChargeStatuses.parse(r.text_view(6)).value_or(domain::ChargeStatus::pending);
  p.refunded_amount = r.int64(7);
  p.raw_response = r.text(8);
  p.capture_ref = r.opt_text(9).value_or("");
  p.created_by = r.opt_text(10).value_or("");
  p.created_at = r.int64(11);
  p.updated_at = r.int64(12);
  return p;
}

RefundRow refund_of(const db::Row& r) {
  RefundRow x;
  x.id = r.text(0);
  x.payment_id = r.text(1);
  x.amount = r.int64(2);
  x.reason = r.opt_text(3).value_or("");
  x.status = domain::kRefundStatuses.parse(r.text_view(4)).value_or(domain::RefundStatus::pending);
  x.gateway_ref = r.opt_text(5).value_or("");
  x.raw_response = r.text(6);
  x.created_by = r.opt_text(7).value_or("");
  x.created_at = r.int64(8);
  x.updated_at = r.int64(9);
  x.requested = r.boolean(10);
  return x;
}

std::optional<PaymentRow> first_payment(const db::Result& r) {
  if (r.empty()) return std::nullopt;
  return payment_of(r[0]);
}

const std::string& select_payments() {
  static const std::string s =
      "SELECT " + std::string(kPaymentColumns) + " FROM payment_transactions ";
  return s;
}

}  // namespace

void insert_payment(db::Transaction& tx, const PaymentRow& p) {
  tx.exec("INSERT INTO payment_transactions (" + std::string(kPaymentColumns) +
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
          {std::string_view(p.id), std::string_view(p.order_id), std::string_view(p.gateway),
           p.amount, std::string_view(p.currency), std::string_view(p.transaction_id),
           domain::name(p.status), p.refunded_amount, std::string_view(p.raw_response),
           text_or_null(p.capture_ref), text_or_null(p.created_by), p.created_at, p.updated_at});
}

void update_payment(db::Transaction& tx, const PaymentRow& p) {
  tx.exec(
      "UPDATE payment_transactions SET transaction_id = $2, status = $3, refunded_amount = $4, "
      "raw_response = $5, capture_ref = $6, updated_at = $7 WHERE id = $1",
      {std::string_view(p.id), std::string_view(p.transaction_id), domain::name(p.status),
       p.refunded_amount, std::string_view(p.raw_response), text_or_null(p.capture_ref),
       p.updated_at});
}

std::optional<PaymentRow> find_payment(db::Connection& conn, std::string_view id) {
  return first_payment(conn.exec(select_payments() + "WHERE id = $1", {id}));
}

std::optional<PaymentRow> find_payment_by_any_id(db::Connection& conn, std::string_view id) {
  if (auto p = find_payment(conn, id)) return p;
  return first_payment(conn.exec(
      select_payments() + "WHERE transaction_id = $1 ORDER BY created_at, id LIMIT 1", {id}));
}

std::optional<PaymentRow> find_payment_by_txn(db::Connection& conn, std::string_view gateway,
                                              std::string_view transaction_id) {
  return first_payment(conn.exec(select_payments() + "WHERE gateway = $1 AND transaction_id = $2",
                                 {gateway, transaction_id}));
}

std::optional<PaymentRow> find_pending_payment(db::Connection& conn, std::string_view order_id,
                                               std::string_view gateway) {
  return first_payment(conn.exec(select_payments() +
                                     "WHERE order_id = $1 AND gateway = $2 AND status = 'pending' "
                                     "ORDER BY created_at DESC, id DESC LIMIT 1",
                                 {order_id, gateway}));
}

std::vector<PaymentRow> list_payments(db::Connection& conn, const PaymentFilter& f) {
  SqlQuery q(conn.dialect(), select_payments());
  q.where_eq("order_id", f.order_id);
  q.page("created_at", "id", f.before, SqlQuery::descending, f.limit);
  auto r = q.exec(conn);
  std::vector<PaymentRow> out;
  for (std::size_t i = 0; i < r.size(); ++i) out.push_back(payment_of(r[i]));
  return out;
}

std::vector<PaymentRow> payments_of_customer(db::Connection& conn, std::string_view customer_id) {
  auto r = conn.exec(select_payments() +
                         "WHERE order_id IN (SELECT id FROM orders WHERE customer_id = $1) "
                         "ORDER BY created_at, id",
                     {customer_id});
  std::vector<PaymentRow> out;
  for (std::size_t i = 0; i < r.size(); ++i) out.push_back(payment_of(r[i]));
  return out;
}

void insert_refund(db::Transaction& tx, const RefundRow& x) {
  tx.exec("INSERT INTO payment_refunds (" + std::string(kRefundColumns) +
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
          {std::string_view(x.id), std::string_view(x.payment_id), x.amount, text_or_null(x.reason),
           domain::name(x.status), text_or_null(x.gateway_ref), std::string_view(x.raw_response),
           text_or_null(x.created_by), x.created_at, x.updated_at, x.requested});
}

void update_refund(db::Transaction& tx, const RefundRow& x) {
  tx.exec(
      "UPDATE payment_refunds SET status = $2, gateway_ref = $3, raw_response = $4, "
      "updated_at = $5 WHERE id = $1",
      {std::string_view(x.id), domain::name(x.status), text_or_null(x.gateway_ref),
       std::string_view(x.raw_response), x.updated_at});
}

std::optional<RefundRow> find_refund(db::Connection& conn, std::string_view id) {
  auto r = conn.exec(
      "SELECT " + std::string(kRefundColumns) + " FROM payment_refunds WHERE id = $1", {id});
  if (r.empty()) return std::nullopt;
  return refund_of(r[0]);
}

std::vector<std::string> pending_refunds(db::Connection& conn, std::int64_t before,
                                         std::int64_t now, int limit) {
  auto r = conn.exec(
      "SELECT id FROM payment_refunds WHERE status = 'pending' AND updated_at < $1 "
      "AND (claimed_until IS NULL OR claimed_until <= $2) "
      "ORDER BY updated_at, id LIMIT " +
          std::to_string(limit),
      {before, now});
  std::vector<std::string> out;
  for (std::size_t i = 0; i < r.size(); ++i) out.push_back(r[i].text(0));
  return out;
}

bool claim_refund(db::Transaction& tx, std::string_view id, std::int64_t now, std::int64_t until) {
  auto r = tx.exec(
      "UPDATE payment_refunds SET claimed_until = $3 WHERE id = $1 AND status = 'pending' "
      "AND (claimed_until IS NULL OR claimed_until <= $2)",
      {id, now, until});
  return r.affected() == 1;
}

void release_refund_claim(db::Transaction& tx, std::string_view id) {
  tx.exec("UPDATE payment_refunds SET claimed_until = NULL WHERE id = $1", {id});
}

std::vector<RefundRow> refunds_of(db::Connection& conn, std::string_view payment_id) {
  auto r = conn.exec("SELECT " + std::string(kRefundColumns) +
                         " FROM payment_refunds WHERE payment_id = $1 ORDER BY created_at, id",
                     {payment_id});
  std::vector<RefundRow> out;
  for (std::size_t i = 0; i < r.size(); ++i) out.push_back(refund_of(r[i]));
  return out;
}

bool claim_event(db::Transaction& tx, std::string_view gateway, std::string_view event_id,
                 std::string_view type, std::int64_t now) {
  auto r = tx.exec(
      "INSERT INTO payment_events (gateway, event_id, type, received_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (gateway, event_id) DO NOTHING",
      {gateway, event_id, type, now});
  return r.affected() == 1;
}

void backdate_payments(db::Transaction& tx, std::string_view order_id, std::int64_t shift_ms) {
  tx.exec(
      "UPDATE payment_refunds SET created_at = created_at - $2, updated_at = updated_at - $2 "
      "WHERE payment_id IN (SELECT id FROM payment_transactions WHERE order_id = $1)",
      {order_id, shift_ms});
  tx.exec(
      "UPDATE payment_transactions SET created_at = created_at - $2, updated_at = updated_at - $2 "
      "WHERE order_id = $1",
      {order_id, shift_ms});
}

void set_order_payment(db::Transaction& tx, std::string_view order_id,
                       std::string_view payment_method, std::int64_t refunded_amount) {
  tx.exec("UPDATE orders SET payment_method = $2, refunded_amount = $3 WHERE id = $1",
          {order_id, payment_method.empty() ? db::Param(nullptr) : db::Param(payment_method),
           refunded_amount});
}

}  // namespace crema::repo
