#include <string_view>

#include <boost/json.hpp>

#include "api/input.hpp"
#include "targets.hpp"

namespace crema::fuzz {

int json_input(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  // As the dispatcher reads JSON bodies: a bounded depth, nothing but JSON.
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec, {}, options);
  if (ec) return 0;
  using api::Need;
  api::Input in(v);
  // An order and a product, field by field, as their handlers read them.
  (void)in.one_of({"type", "orderType"}, Need::optional, {"dine-in", "takeaway", "online"});
  (void)in.boolean({"is_pickup", "isPickup"}, Need::optional);
  (void)in.text("notes", Need::optional, 0, 2000);
  (void)in.object("metadata", Need::optional, 8192);
  (void)in.object({"delivery_info", "deliveryInfo"}, Need::optional, 4096);
  (void)in.integer({"table_number", "tableNumber"}, Need::optional, 1, 9999);
  (void)in.text("name", Need::optional, 1, 200);
  (void)in.money("price", Need::optional);
  (void)in.quantity("stock", Need::optional, 0, 1'000'000'000);
  (void)in.uuid({"customer_id", "customerId"}, Need::optional);
  if (const auto* items = in.array("items", Need::optional, 1, 100)) {
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto item = in.child((*items)[i], "items[" + std::to_string(i) + "]");
      (void)item.uuid({"product_id", "productId"}, Need::required);
      (void)item.integer("quantity", Need::required, 1, 100);
      (void)item.object("options", Need::optional, 2048);
      (void)item.text({"special_instructions", "specialInstructions"}, Need::optional, 0, 500);
      if (const auto* mods = item.array("modifiers", Need::optional, 0, 20))
        for (const auto& m : *mods) (void)m.is_string();
    }
  }
  if (!in.ok()) (void)in.error();
  return 0;
}

}  // namespace crema::fuzz
