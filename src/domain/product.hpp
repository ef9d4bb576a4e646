#pragma once
/// Products (SPEC §4) without I/O: the entity, its modifiers and recipe, and what one order
/// line of it needs from stock.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "domain/inventory.hpp"
#include "util/error.hpp"

namespace crema::domain {

/// One ingredient line: what one unit consumes of an inventory item (thousandths).
struct RecipeLine {
  std::string inventory_item_id;
  std::int64_t quantity = 0;
  bool operator==(const RecipeLine&) const = default;
};

/// An option a customer may pick (a size, oat milk, an extra shot).
struct Modifier {
  std::string code;         ///< unique within the product, [a-z0-9_-]
  std::string name;
  std::int64_t price_delta = 0;  ///< minor units, may be negative
  std::vector<RecipeLine> consumes;
  bool operator==(const Modifier&) const = default;
};

/// An uploaded image; `ready` once the thumbnail and web copies exist.
struct ProductImage {
  enum class Status : std::uint8_t { pending, ready, failed };
  std::string id;
  std::string product_id;
  std::string original_key;   ///< object-store keys
  std::string thumbnail_key;  ///< "" until made
  std::string web_key;        ///< "" until made
  std::string content_type;
  int width = 0;
  int height = 0;
  Status status = Status::pending;
  int position = 0;
  std::int64_t created_at = 0;
};

std::string_view image_status_name(ProductImage::Status status) noexcept;

struct Product {
  std::string id;
  std::string name;
  std::string description;
  std::string category;
  std::int64_t price = 0;  ///< minor units
  boost::json::object attributes;
  std::vector<Modifier> modifiers;
  int prep_minutes = 0;
  bool track_stock = false;
  bool sale_enabled = true;  ///< PUT …/stock {"in_stock": false} switches it off
  bool is_active = true;
  std::int64_t rating_avg_milli = 0;
  std::int64_t rating_count = 0;
  std::vector<RecipeLine> recipe;
  std::vector<ProductImage> images;
  std::int64_t version = 1;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;

  // Derived by the repository from the product's own inventory item and its recipe.
  std::optional<std::int64_t> stock;            ///< own item's on_hand, when tracked
  std::optional<std::int64_t> stock_reserved;   ///< own item's reserved, when tracked
  std::optional<std::int64_t> stock_threshold;  ///< own item's threshold, when tracked
  bool in_stock = false;

  const Modifier* modifier(std::string_view code) const noexcept;
};

/// What `units` of a product with the chosen modifiers need from stock: its own item (when
/// track_stock), its recipe and each modifier's `consumes`, each × units, merged per item.
/// 422 naming `modifiers[i]` for a code the product does not have.
crema::Result<std::vector<StockNeed>> stock_needs(const Product& product,
                                                  std::span<const std::string> modifier_codes,
                                                  std::int64_t units);

/// Modifiers as stored (JSON text with integer minor units and thousandths) and back.
std::string modifiers_to_storage(const std::vector<Modifier>& modifiers);
std::vector<Modifier> modifiers_from_storage(std::string_view text);

/// True for a modifier code: 1–40 of a-z, 0-9, `_`, `-`.
bool valid_modifier_code(std::string_view code) noexcept;

/// Lower-case ASCII of name, description and category, for `?q=` (substring search).
std::string search_text(std::string_view name, std::string_view description,
                        std::string_view category);

}  // namespace crema::domain
