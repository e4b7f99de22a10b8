// SPDX-License-Identifier: MIT
// Checks of a scenario's JSON text that nlohmann's parser does not make, shared by
// parse_scenario and the one-pass compiler so that both report them alike.
#pragma once

#include <cstddef>
#include <string_view>

namespace asim::props::detail {

/// Reads `json_text` for its keys only and throws ScenarioFormatError (the second key's
/// pointer, duplicate_key_problem) at the first key given twice in one object; returns
/// when there is none, or when the text stops being JSON before one (parse_scenario
/// reports that). Memory: the open objects' keys, not the tree. For the one-pass
/// compiler, which finds such a key inside a value it skips but keeps no pointer there.
void check_keys_once(std::string_view json_text);

/// Throws ScenarioFormatError when `json_text`, which nlohmann's parser has read whole,
/// holds a NUL byte: the parser takes one for the end of the input and ignores what
/// follows the document, which is not JSON (the CPython runner refuses it). Called once
/// the parse has succeeded, so the NUL is after the document, and before any check of
/// what the document says (not JSON wins, as a syntax error does).
void check_no_nul(std::string_view json_text);

}  // namespace asim::props::detail
