#include "domain/product.hpp"

#include <boost/json.hpp>

#include "util/text_case.hpp"

namespace crema::domain {

namespace json = boost::json;

namespace {

std::string lower(std::string_view s) { return util::fold_case(s); }

std::int64_t int_of(const json::value* v) {
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

std::string text_of(const json::value* v) {
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::string_view image_status_name(ProductImage::Status status) noexcept {
  switch (status) {
    case ProductImage::Status::pending:
      return "pending";
    case ProductImage::Status::ready:
      return "ready";
    case ProductImage::Status::failed:
      return "failed";
  }
  return "failed";
}

const Modifier* Product::modifier(std::string_view code) const noexcept {
  for (const auto& m : modifiers)
    if (m.code == code) return &m;
  return nullptr;
}

crema::Result<std::vector<StockNeed>> stock_needs(const Product& product,
                                                  std::span<const std::string> modifier_codes,
                                                  std::int64_t units) {
  std::vector<StockNeed> needs;
  if (product.track_stock) needs.push_back({product.id, units * 1000});
  for (const auto& line : product.recipe)
    needs.push_back({line.inventory_item_id, line.quantity * units});
  std::vector<FieldIssue> unknown;
  for (std::size_t i = 0; i < modifier_codes.size(); ++i) {
    const Modifier* m = product.modifier(modifier_codes[i]);
    if (!m) {
      unknown.push_back(
          {"modifiers[" + std::to_string(i) + "]", "is not a modifier of " + product.name});
      continue;
    }
    for (const auto& line : m->consumes)
      needs.push_back({line.inventory_item_id, line.quantity * units});
  }
  if (!unknown.empty())
    return crema::Error::make(ErrorCode::validation_failed, "Unknown modifiers.",
                              std::move(unknown));
  return merge_needs(std::move(needs));
}

std::string modifiers_to_storage(const std::vector<Modifier>& modifiers) {
  json::array out;
  for (const auto& m : modifiers) {
    json::array consumes;
    for (const auto& c : m.consumes)
      consumes.push_back({{"inventory_item_id", c.inventory_item_id}, {"quantity", c.quantity}});
    out.push_back({{"code", m.code},
                   {"name", m.name},
                   {"price_delta", m.price_delta},
                   {"consumes", std::move(consumes)}});
  }
  return json::serialize(out);
}

std::vector<Modifier> modifiers_from_storage(std::string_view text) {
  std::vector<Modifier> out;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& e : v.get_array()) {
    const auto* o = e.if_object();
    if (!o) continue;
    Modifier m;
    m.code = text_of(o->if_contains("code"));
    m.name = text_of(o->if_contains("name"));
    m.price_delta = int_of(o->if_contains("price_delta"));
    if (const auto* c = o->if_contains("consumes"); c && c->is_array()) {
      for (const auto& line : c->get_array()) {
        const auto* lo = line.if_object();
        if (!lo) continue;
        m.consumes.push_back(
            {text_of(lo->if_contains("inventory_item_id")), int_of(lo->if_contains("quantity"))});
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

bool valid_modifier_code(std::string_view code) noexcept {
  if (code.empty() || code.size() > 40) return false;
  for (char c : code)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

std::string search_text(std::string_view name, std::string_view description,
                        std::string_view category) {
  std::string out = lower(name);
  out += '\n';
  out += lower(description);
  out += '\n';
  out += lower(category);
  return out;
}

}  // namespace crema::domain
