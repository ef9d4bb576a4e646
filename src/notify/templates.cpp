#include "notify/templates.hpp"

#include <array>
#include <charconv>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "domain/outbox.hpp"

namespace crema::notify {

namespace json = boost::json;

namespace {

struct Builtin {
  std::string_view type, subject, text, html, sms;
};

// The wording a shop gets before it writes its own; every part can be replaced by a file.
// One per notification type (domain::kNotificationTypes; a test checks each has one).
constexpr std::array<Builtin, domain::kNotificationTypes.size()> kBuiltins = {{
    {"order_placed", "Your order {{order_number}} is placed",
     "Hello {{customer_name}},\n\nthank you for your order {{order_number}}. Total: {{total}} "
     "{{currency}}.\n{{when}}\n",
     "<p>Hello {{customer_name}},</p><p>thank you for your order <b>{{order_number}}</b>. "
     "Total: {{total}} {{currency}}.</p><p>{{when}}</p>",
     "Order {{order_number}} placed. Total {{total}} {{currency}}. {{when}}"},
    {"order_status_changed", "Order {{order_number}}: {{status}}",
     "Hello {{customer_name}},\n\nyour order {{order_number}} is now {{status}}.\n",
     "<p>Hello {{customer_name}},</p><p>your order <b>{{order_number}}</b> is now "
     "<b>{{status}}</b>.</p>",
     "Order {{order_number}} is now {{status}}."},
    {"delivery_update", "Delivery of order {{order_number}}: {{status}}",
     "Hello {{customer_name}},\n\nthe delivery of your order {{order_number}} is {{status}}. "
     "{{message}}\n",
     "<p>Hello {{customer_name}},</p><p>the delivery of your order <b>{{order_number}}</b> is "
     "<b>{{status}}</b>. {{message}}</p>",
     "Order {{order_number}}: delivery {{status}}. {{message}}"},
    {"low_stock", "Low stock: {{item.name}}",
     "{{item.name}} is running low: {{item.available}} {{item.unit}} available (threshold "
     "{{item.low_stock_threshold}} {{item.unit}}).\n",
     "<p><b>{{item.name}}</b> is running low: {{item.available}} {{item.unit}} available "
     "(threshold {{item.low_stock_threshold}} {{item.unit}}).</p>",
     "Low stock: {{item.name}} {{item.available}} {{item.unit}} left."},
    {"event_request_received", "New event request from {{name}}",
     "A new catering event request from {{name}} ({{email}}) for {{date}}, {{guests}} "
     "guests.\n\n{{notes}}\n",
     "<p>A new catering event request from <b>{{name}}</b> ({{email}}) for {{date}}, "
     "{{guests}} guests.</p><p>{{notes}}</p>",
     "New event request from {{name}} for {{date}}."},
    {"event_quoted", "Your catering quote for {{date}}",
     "Hello {{name}},\n\nyour {{event_type}} on {{date}} for {{guests}} guests is quoted at "
     "{{quote}} {{currency}}.\nAccept the quote to confirm it, or cancel the request.\n",
     "<p>Hello {{name}},</p><p>your {{event_type}} on <b>{{date}}</b> for {{guests}} guests is "
     "quoted at <b>{{quote}} {{currency}}</b>.</p><p>Accept the quote to confirm it, or cancel "
     "the request.</p>",
     "Your {{event_type}} on {{date}} is quoted at {{quote}} {{currency}}."},
    {"event_status_changed", "Your catering request for {{date}}: {{status}}",
     "Hello {{name}},\n\nyour {{event_type}} request for {{date}} ({{guests}} guests) is now "
     "{{status}}.\n",
     "<p>Hello {{name}},</p><p>your {{event_type}} request for <b>{{date}}</b> ({{guests}} "
     "guests) is now <b>{{status}}</b>.</p>",
     "Your {{event_type}} request for {{date}} is now {{status}}."},
    {"daily_summary", "Daily summary for {{date}}",
     "Summary of {{date}}: {{orders}} orders, revenue {{revenue}} {{currency}} (average "
     "{{average}}).\nCash {{payment_methods_text.cash}}, card {{payment_methods_text.card}}, "
     "mobile {{payment_methods_text.mobile}}.\nDine-in {{by_type_text.dine-in}}, takeaway "
     "{{by_type_text.takeaway}}, online {{by_type_text.online}}, events {{by_type_text.event}}.\n",
     "<p>Summary of <b>{{date}}</b>: {{orders}} orders, revenue {{revenue}} {{currency}} "
     "(average {{average}}).</p><p>Cash {{payment_methods_text.cash}}, card "
     "{{payment_methods_text.card}}, mobile {{payment_methods_text.mobile}}.</p><p>Dine-in "
     "{{by_type_text.dine-in}}, takeaway {{by_type_text.takeaway}}, online "
     "{{by_type_text.online}}, events {{by_type_text.event}}.</p>",
     "{{date}}: {{orders}} orders, {{revenue}} {{currency}}."},
    {"weekly_summary", "Weekly summary {{from}} to {{to}}",
     "Week {{from}} to {{to}}: {{orders}} orders, sales {{revenue}} {{currency}}, average "
     "ticket {{average}}.\nCash {{payment_methods_text.cash}}, card "
     "{{payment_methods_text.card}}, mobile {{payment_methods_text.mobile}}.\nDine-in "
     "{{by_type_text.dine-in}}, takeaway {{by_type_text.takeaway}}, online "
     "{{by_type_text.online}}, events {{by_type_text.event}}.\nTop products: "
     "{{top_products_text}}.\n",
     "<p>Week <b>{{from}}</b> to <b>{{to}}</b>: {{orders}} orders, sales {{revenue}} "
     "{{currency}}, average ticket {{average}}.</p><p>Cash {{payment_methods_text.cash}}, card "
     "{{payment_methods_text.card}}, mobile {{payment_methods_text.mobile}}.</p><p>Dine-in "
     "{{by_type_text.dine-in}}, takeaway {{by_type_text.takeaway}}, online "
     "{{by_type_text.online}}, events {{by_type_text.event}}.</p><p>Top products: "
     "{{top_products_text}}.</p>",
     "Week {{from}}: {{orders}} orders, {{revenue}} {{currency}}."},
    {"monthly_summary", "Monthly summary {{from}} to {{to}}",
     "Month {{from}} to {{to}}: {{orders}} orders, sales {{revenue}} {{currency}}, average "
     "ticket {{average}}.\nCash {{payment_methods_text.cash}}, card "
     "{{payment_methods_text.card}}, mobile {{payment_methods_text.mobile}}.\nDine-in "
     "{{by_type_text.dine-in}}, takeaway {{by_type_text.takeaway}}, online "
     "{{by_type_text.online}}, events {{by_type_text.event}}.\nTop products: "
     "{{top_products_text}}.\n",
     "<p>Month <b>{{from}}</b> to <b>{{to}}</b>: {{orders}} orders, sales {{revenue}} "
     "{{currency}}, average ticket {{average}}.</p><p>Cash {{payment_methods_text.cash}}, card "
     "{{payment_methods_text.card}}, mobile {{payment_methods_text.mobile}}.</p><p>Dine-in "
     "{{by_type_text.dine-in}}, takeaway {{by_type_text.takeaway}}, online "
     "{{by_type_text.online}}, events {{by_type_text.event}}.</p><p>Top products: "
     "{{top_products_text}}.</p>",
     "Month {{from}}: {{orders}} orders, {{revenue}} {{currency}}."},
    {"promotion", "{{subject}}", "{{body}}\n", "<p>{{body}}</p>", "{{body}}"},
    {"password_reset", "Reset your password",
     "Hello {{name}},\n\nsomeone (we hope you) asked to reset the password of your account.\n"
     "Choose a new one here within {{expires_minutes}} minutes:\n\n{{link}}\n\nThe link "
     "works once. If you did not ask, ignore this message: your password stays as it is.\n",
     "<p>Hello {{name}},</p><p>someone (we hope you) asked to reset the password of your "
     "account. Choose a new one within {{expires_minutes}} minutes:</p><p><a "
     "href=\"{{link}}\">Reset my password</a></p><p>The link works once. If you did not ask, "
     "ignore this message: your password stays as it is.</p>",
     "Reset your password within {{expires_minutes}} min: {{link}} (ignore if you did not ask)"},
    {"verify_email", "Confirm your email address",
     "Hello {{name}},\n\nplease confirm that this is your email address by opening this link "
     "within {{expires_hours}} hours:\n\n{{link}}\n\nIf you did not create an account, "
     "ignore this message.\n",
     "<p>Hello {{name}},</p><p>please confirm that this is your email address within "
     "{{expires_hours}} hours:</p><p><a href=\"{{link}}\">Confirm my email address</a></p>"
     "<p>If you did not create an account, ignore this message.</p>",
     "Confirm your email address: {{link}}"},
}};

std::string scalar_text(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return std::string(v.get_string());
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return std::to_string(v.get_uint64());
    case json::kind::double_: {
      char buf[64];
      auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v.get_double());
      return ec == std::errc() ? std::string(buf, p) : std::string();
    }
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::null:
      return {};
    default:
      return json::serialize(v);
  }
}

const json::value* lookup(const json::object& payload, std::string_view path) {
  const json::object* obj = &payload;
  const json::value* found = nullptr;
  while (!path.empty()) {
    if (!obj) return nullptr;
    auto dot = path.find('.');
    auto key = path.substr(0, dot);
    found = obj->if_contains(key);
    if (!found) return nullptr;
    obj = found->if_object();
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return found;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string fill_template(std::string_view tmpl, const json::object& payload, bool html) {
  std::string out;
  out.reserve(tmpl.size());
  std::size_t i = 0;
  while (i < tmpl.size()) {
    auto open = tmpl.find("{{", i);
    if (open == std::string_view::npos) break;
    auto close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(tmpl.substr(i, open - i));
    const auto* v = lookup(payload, trim(tmpl.substr(open + 2, close - open - 2)));
    std::string value = v ? scalar_text(*v) : std::string();
    out += html ? html_escape(value) : value;
    i = close + 2;
  }
  out.append(tmpl.substr(i));
  return out;
}

std::string_view Templates::builtin(std::string_view type, std::string_view part) {
  for (const auto& b : kBuiltins) {
    if (b.type != type) continue;
    if (part == "subject") return b.subject;
    if (part == "txt") return b.text;
    if (part == "html") return b.html;
    if (part == "sms") return b.sms;
  }
  return {};
}

std::string Templates::part(std::string_view type, std::string_view part) const {
  if (!dir_.empty()) {
    std::ifstream in(dir_ + "/" + std::string(type) + "." + std::string(part), std::ios::binary);
    if (in) {
      std::ostringstream s;
      s << in.rdbuf();
      return s.str();
    }
  }
  return std::string(builtin(type, part));
}

Rendered Templates::render(std::string_view type, const json::object& payload) const {
  Rendered r;
  r.subject = fill_template(part(type, "subject"), payload, false);
  // A subject is one line, whatever the template or the payload held.
  for (auto& c : r.subject)
    if (c == '\r' || c == '\n') c = ' ';
  r.text = fill_template(part(type, "txt"), payload, false);
  const std::string body = fill_template(part(type, "html"), payload, true);
  r.html = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(r.subject) +
           "</title></head><body>" + body + "</body></html>\n";
  r.sms = fill_template(part(type, "sms"), payload, false);
  return r;
}

}  // namespace crema::notify
