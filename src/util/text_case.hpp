#pragma once
/// Case folding for case-insensitive search and sorting of names (products, inventory).

#include <string>
#include <string_view>

namespace crema::util {

/// `text` (UTF-8) in lower case: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic
/// capitals are mapped to their small letters ("Éclair" → "éclair", "CRÈME" → "crème");
/// everything else, invalid UTF-8 included, is copied unchanged. The same function folds
/// what is stored and what is searched for, so both stores match and sort alike.
std::string fold_case(std::string_view text);

}  // namespace crema::util
