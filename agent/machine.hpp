// What the agent advertises about its machine: cores, a measured speed score, the load.
#pragma once

namespace ppp2p::agent {

unsigned core_count();

// Runs a short single-threaded CPU benchmark (about 60 ms on the reference machine) and
// returns a score: 100 is the reference machine (one core of the x86-64 cloud VM ppp2p was
// developed on); a core twice as fast scores 200.
double measure_speed_score();

// The 1-minute load average divided by the number of cores (0 when unknown).
double load_per_core();

} // namespace ppp2p::agent
