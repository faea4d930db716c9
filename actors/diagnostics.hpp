// Diagnostics a person reads: one line per call, written with one write(2) so lines
// from several actor threads never interleave. (CAF's own logging is compiled out
// in Debian's build.)
#pragma once

#include <string>

namespace trading {

/// Sets the name that prefixes every line ("[node] ..."); call once at start.
void set_diagnostics_name(const std::string& name);

/// "[node] who: text" on stderr.
void diagnose(const char* who, const std::string& text);

/// "[node] text" on stdout (stats lines, summaries, ports).
void report(const std::string& text);

} // namespace trading
