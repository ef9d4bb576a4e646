#include "service/event_service.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "domain/money.hpp"
#include "domain/report.hpp"
#include "events/bus.hpp"
#include "repo/keyset.hpp"
#include "repo/order_repo.hpp"
#include "repo/product_repo.hpp"
#include "repo/user_repo.hpp"
#include "service/audit.hpp"
#include "service/order_service.hpp"
#include "service/outbox.hpp"
#include "service/write_tx.hpp"
#include "util/json_or_null.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"
#include "util/validation_error.hpp"

namespace crema::service {

namespace json = boost::json;
using domain::EventStatus;
using domain::OrderStatus;

namespace {

crema::Error no_such_event(const std::string& id) {
  return crema::Error::make(ErrorCode::not_found, "No event request " + id + ".");
}
crema::Error invalid_move(EventStatus from, EventStatus to) {
  return crema::Error::make(ErrorCode::invalid_transition,
                            "An event request cannot go from " + std::string(domain::name(from)) +
                                " to " + std::string(domain::name(to)) + ".");
}
crema::Error one_issue(std::string field, std::string issue) {
  return crema::Error::make(ErrorCode::validation_failed, "One field is invalid.",
                            {{std::move(field), std::move(issue)}});
}

// SPEC §11's flow.
bool edge(EventStatus from, EventStatus to) {
  switch (from) {
    case EventStatus::requested:
      return to == EventStatus::quoted || to == EventStatus::declined ||
             to == EventStatus::cancelled;
    case EventStatus::quoted:
      return to == EventStatus::confirmed || to == EventStatus::declined ||
             to == EventStatus::cancelled;
    case EventStatus::confirmed:
      return to == EventStatus::completed || to == EventStatus::cancelled;
    default:
      return false;
  }
}

json::value event_parse_or(const std::string& text, json::value fallback) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? fallback : v;
}

std::vector<std::string> event_topics_of(const repo::EventRow& e) {
  if (e.customer_id.empty()) return {"orders"};  // a phone-in request: no account to tell
  return {"orders", "user:" + e.customer_id};
}

// Whether the date (YYYY-MM-DD) is after `today` (YYYYMMDD, the shop's business date).
bool after_today(std::string date, const std::string& today) {
  date.erase(std::remove(date.begin(), date.end(), '-'), date.end());
  return date > today;
}

// The items as stored ([{product_id, name, qty}]): active catalogue products only; a bad
// one is an issue on items[i].product_id.
json::array resolve_event_items(db::Transaction& tx, const std::vector<EventItem>& in,
                                std::vector<FieldIssue>& problems) {
  json::array items;
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto p = repo::find_product(tx.connection(), in[i].product_id);
    if (!p || !p->is_active) {
      problems.push_back(
          {"items[" + std::to_string(i) + "].product_id", "is not a product on sale"});
      continue;
    }
    items.push_back(json::object{{"product_id", p->id}, {"name", p->name}, {"qty", in[i].qty}});
  }
  return items;
}

// The customer hears of a move: at their account's email, or — a phone-in request — at the
// email or else the phone of its customer_info. In the move's transaction (the outbox).
void notify_event_customer(db::Transaction& tx, const repo::EventRow& e, const std::string& type,
                           std::string_view currency) {
  json::object payload = event_json(e, currency);
  auto info = event_parse_or(e.customer_info, json::object{});
  auto text_of = [&](const char* k) -> std::string {
    const auto* v = info.is_object() ? info.as_object().if_contains(k) : nullptr;
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  payload["name"] = text_of("name");
  payload["quote"] = e.quote_amount ? domain::money_text(*e.quote_amount) : std::string();
  if (!e.customer_id.empty()) {
    enqueue_user_notification(tx, e.customer_id, type, std::move(payload));
  } else if (auto email = text_of("email"); !email.empty()) {
    enqueue_notification(
        tx, {.type = type, .channel = "email", .recipient = email, .payload = std::move(payload)});
  } else if (auto phone = text_of("phone"); !phone.empty()) {
    enqueue_notification(
        tx, {.type = type, .channel = "sms", .recipient = phone, .payload = std::move(payload)});
  }
}

// The request's own customer (a phone-in request has none).
bool event_owner(const Actor& actor, const repo::EventRow& e) {
  return !e.customer_id.empty() && e.customer_id == actor.user_id();
}

// 409 version_conflict when the caller expected another version.
std::optional<crema::Error> stale_event(const repo::EventRow& e,
                                        const std::optional<std::int64_t>& expected) {
  if (!expected || *expected == e.version) return std::nullopt;
  return crema::Error::make(ErrorCode::version_conflict, "The event request is at version " +
                                                             std::to_string(e.version) + ", not " +
                                                             std::to_string(*expected) + ".");
}

// What the owner may do to their own request (SPEC §11): accept a quote, or cancel before
// it is confirmed.
bool owner_may(EventStatus from, EventStatus to) {
  if (to == EventStatus::confirmed) return from == EventStatus::quoted;
  if (to == EventStatus::cancelled)
    return from == EventStatus::requested || from == EventStatus::quoted;
  return false;
}

}  // namespace

json::object event_json(const repo::EventRow& e, std::string_view currency) {
  return json::object{
      {"id", e.id},
      {"customer_id", util::json_text_or_null(e.customer_id)},
      {"customer_info", event_parse_or(e.customer_info, json::object{})},
      {"event_type", e.event_type},
      {"date", e.date},
      {"guests", e.guests},
      {"theme", util::json_text_or_null(e.theme)},
      {"items", event_parse_or(e.items, json::array{})},
      {"notes", util::json_text_or_null(e.notes)},
      {"status", domain::name(e.status)},
      {"quote_amount", e.quote_amount ? json::value(domain::money_to_major(*e.quote_amount))
                                      : json::value(nullptr)},
      {"currency", currency},
      {"assigned_admin", util::json_text_or_null(e.assigned_admin)},
      {"order_id", util::json_text_or_null(e.order_id)},
      {"version", e.version},
      {"created_at", util::format_rfc3339(e.created_at)},
      {"updated_at", util::format_rfc3339(e.updated_at)}};
}

const std::string& EventService::currency() const { return orders_.settings().currency; }

crema::Result<repo::EventRow> EventService::create(const Actor& actor, const EventInput& in) {
  std::vector<FieldIssue> issues;
  // The date must be after today in the shop's zone.
  if (!after_today(in.date, orders_.business_date(util::now_ms())))
    issues.push_back({"date", "must be in the future"});
  // Staff+ enter a phone-in customer's request: it belongs to no account, so the customer
  // is whoever customer_info names.
  const bool phone_in = actor.is_staff_plus();
  if (phone_in && !in.customer_info)
    issues.push_back({"customer_info",
                      "is required: the name and a phone or email of the "
                      "customer who asked"});
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<repo::EventRow> {
    auto& tx = work.tx();
    auto problems = issues;
    json::array items = resolve_event_items(tx, in.items, problems);
    if (!problems.empty()) return crema::validation_error(std::move(problems));
    json::object info;
    if (in.customer_info) {
      info = *in.customer_info;
    } else if (auto user = repo::find_user_by_id(tx.connection(), actor.user_id())) {
      info = json::object{{"name", user->name},
                          {"phone", user->phone ? json::value(*user->phone) : json::value(nullptr)},
                          {"email", user->email}};
    }
    repo::EventRow e;
    e.id = util::new_uuid_v7();
    if (!phone_in) e.customer_id = actor.user_id();
    e.customer_info = json::serialize(info);
    e.event_type = in.event_type;
    e.date = in.date;
    e.guests = in.guests;
    e.theme = in.theme;
    e.items = json::serialize(items);
    e.notes = in.notes;
    e.created_at = e.updated_at = util::now_ms();
    repo::insert_event(tx, e);
    auto data = event_json(e, currency());
    json::object payload = data;
    auto field = [&](const char* k) -> json::value {
      const auto* v = info.if_contains(k);
      return v ? *v : json::value(nullptr);
    };
    payload["name"] = field("name");
    payload["email"] = field("email");
    enqueue_role_notification(tx, {"admin"}, "event_request_received", payload);
    if (phone_in)
      record_audit(tx, actor,
                   {"event.create", "event_request", e.id,
                    "Phone-in event request for " + e.date + ": " + e.event_type});
    work.publish("event_request_created", std::move(data), event_topics_of(e));
    return e;
  });
}

crema::Result<repo::EventRow> EventService::edit(const Actor& actor, const std::string& id,
                                                 const EventEdit& in) {
  std::vector<FieldIssue> issues;
  if (in.date && !after_today(*in.date, orders_.business_date(util::now_ms())))
    issues.push_back({"date", "must be in the future"});
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<repo::EventRow> {
    auto& tx = work.tx();
    auto cur = repo::lock_event(tx, id);
    const bool staff = actor.is_staff_plus();
    if (!cur || (!staff && !event_owner(actor, *cur))) return no_such_event(id);
    repo::EventRow& e = *cur;
    if (auto stale = stale_event(e, in.expected_version)) return std::move(*stale);
    if (e.status != EventStatus::requested && e.status != EventStatus::quoted)
      return crema::Error::make(ErrorCode::conflict, "An event request that is " +
                                                         std::string(domain::name(e.status)) +
                                                         " can no longer be edited.");
    auto problems = issues;
    std::optional<json::array> items;
    if (in.items) items = resolve_event_items(tx, *in.items, problems);
    if (!problems.empty()) return crema::validation_error(std::move(problems));
    if (in.date) e.date = *in.date;
    if (in.guests) e.guests = *in.guests;
    if (in.theme) e.theme = *in.theme;
    if (items) e.items = json::serialize(*items);
    if (in.notes) e.notes = *in.notes;
    const EventStatus from = e.status;
    // The quote was for the request as it was: it goes, and the request waits for a new one.
    if (from == EventStatus::quoted) {
      e.status = EventStatus::requested;
      e.quote_amount.reset();
    }
    e.version += 1;
    e.updated_at = util::now_ms();
    repo::update_event_details(tx, e);
    record_audit(tx, actor,
                 {"event.update", "event_request", e.id,
                  from == EventStatus::quoted ? "Event request edited; quote withdrawn"
                                              : "Event request edited"});
    work.publish("event_updated", event_json(e, currency()), event_topics_of(e));
    return std::move(e);
  });
}

Page<repo::EventRow, repo::Keyset> EventService::list(const Actor& actor, repo::EventFilter f) {
  if (!actor.is_manager_plus()) f.customer_id = actor.user_id();
  auto lease = pool_.read();
  const int limit = f.limit;
  return make_page(repo::list_events(*lease, f), limit, [](const repo::EventRow& e) {
    return repo::Keyset{e.created_at, e.id};
  });
}

crema::Result<repo::EventRow> EventService::get(const Actor& actor, const std::string& id) {
  auto lease = pool_.read();
  auto e = repo::find_event(*lease, id);
  if (!e || (!actor.is_manager_plus() && !event_owner(actor, *e))) return no_such_event(id);
  return std::move(*e);
}

crema::Result<repo::EventRow> EventService::change_status(const Actor& actor, const std::string& id,
                                                          const EventStatusChange& c) {
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<repo::EventRow> {
    auto& tx = work.tx();
    auto cur = repo::lock_event(tx, id);
    const bool manager = actor.is_manager_plus();
    if (!cur || (!manager && !event_owner(actor, *cur))) return no_such_event(id);
    repo::EventRow& e = *cur;
    if (!manager && (!owner_may(e.status, c.status) || c.quote_amount || c.assigned_admin))
      return crema::Error::make(ErrorCode::forbidden,
                                "The customer may accept a quote or cancel the request before it "
                                "is confirmed; nothing else.");
    if (e.status == c.status || !edge(e.status, c.status)) return invalid_move(e.status, c.status);
    if (auto stale = stale_event(e, c.expected_version)) return std::move(*stale);
    if (c.assigned_admin) {
      auto user = repo::find_user_by_id(tx.connection(), *c.assigned_admin);
      if (!user || !user->is_active || !auth::is_manager_plus(user->role))
        return one_issue("assigned_admin", "is not an active admin or manager");
      e.assigned_admin = user->id;
    }
    if (c.quote_amount) e.quote_amount = *c.quote_amount;
    if (c.status == EventStatus::quoted && !e.quote_amount)
      return one_issue("quote_amount", "is required to quote");
    const EventStatus from = e.status;
    if (c.status == EventStatus::confirmed) {
      std::vector<OrderLine> lines;
      auto items = event_parse_or(e.items, json::array{});
      if (items.is_array()) {
        int i = 0;
        for (const auto& it : items.as_array()) {
          const auto& o = it.as_object();
          OrderLine line;
          line.product_id = std::string(o.at("product_id").as_string());
          line.quantity = o.at("qty").to_number<std::int64_t>();
          line.position = i++;
          lines.push_back(std::move(line));
        }
      }
      auto info = event_parse_or(e.customer_info, json::object{});
      std::optional<json::object> customer_info;
      if (info.is_object()) customer_info = info.as_object();
      auto order = orders_.place_event_order(work, actor, e.customer_id, customer_info, lines,
                                             e.quote_amount,
                                             "Catering event " + e.date + ": " + e.event_type);
      if (!order) return std::move(order).error();
      e.order_id = order->id;
    } else if (c.status == EventStatus::cancelled && from == EventStatus::confirmed &&
               !e.order_id.empty()) {
      auto order = repo::lock_order(tx, e.order_id);
      if (order && order->status != OrderStatus::cancelled) {
        // A paid order is refunded by the cancellation itself (the payments feature's
        // hook in the order's transition), in this transaction.
        if (!domain::edge_exists(order->status, OrderStatus::cancelled, order->is_delivery()))
          return crema::Error::make(ErrorCode::invalid_transition,
                                    "The event's order " + order->order_number + " is " +
                                        std::string(domain::order_status_name(order->status)) +
                                        " and can no longer be cancelled.");
        auto moved = orders_.apply_status(work, actor, *order, OrderStatus::cancelled,
                                          "catering event cancelled");
        if (!moved) return std::move(moved).error();
      }
    }
    e.status = c.status;
    e.version += 1;
    e.updated_at = util::now_ms();
    repo::update_event(tx, e);
    record_audit(tx, actor,
                 {"event.status", "event_request", e.id,
                  "Event request " + std::string(domain::name(from)) + " → " +
                      std::string(domain::name(e.status))});
    notify_event_customer(tx, e,
                          e.status == EventStatus::quoted ? "event_quoted" : "event_status_changed",
                          currency());
    work.publish("event_updated", event_json(e, currency()), event_topics_of(e));
    return std::move(e);
  });
}

}  // namespace crema::service
