// SPDX-License-Identifier: Apache-2.0
// hush-sim: real hush endpoints (real EDHOC, real AES-CCM) over a simulated,
// seeded radio with loss, burst loss, duplication, reordering, delay,
// collisions and per-byte energy. Prints a message-sequence timeline and a
// summary, or one JSON object with --json.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

#include "dtls_scenarios.h"
#include "mesh_scenario.h"
#include "report.h"
#include "scenarios.h"
#include "sleep_scenarios.h"

using namespace hush::sim;

namespace {

int usage(const char* why = nullptr) {
  if (why) std::fprintf(stderr, "hush-sim: %s\n", why);
  std::string names;
  for (const std::string& s : scenario_names()) names += (names.empty() ? "" : "|") + s;
  names += "|mesh|sleepy|rekey|deep-sleep";
  std::string profiles;
  for (const RadioProfile& p : radio_profiles()) profiles += (profiles.empty() ? "" : "|") + p.name;
  std::fprintf(stderr,
               "usage: hush-sim [--scenario %s] [--json]\n"
               "                [--method 0-3] [--suite 0-3] [--mtu 32-%zu]\n"
               "                [--loss P] [--burst P_GB,P_BG,LOSS_BAD] [--duplicate P] [--reorder P] [--collisions]\n"
               "                [--seed N] [--seeds N] [--sweep-step S] [--jobs N] [--clients N] [--readings N]\n"
               "                [--profile %s] [--pk-ms MS] [--no-timeline]\n"
               "                [--baseline dtls12-psk|dtls12-ecdsa]  [--baseline-mtu 32-1024]\n"
               "                (mbed TLS DTLS 1.2 side by side; ecdsa: hush method 0)\n"
               "defaults: scenario demo (10%% loss); connect 0%%, traffic 10%%, many 5%% loss unless --loss;\n"
               "loss-sweep runs loss 0..0.5 (or only --loss) with --seeds seeds per row (1000).\n"
               "mesh: [--nodes N (20)] [--hours H (24)] [--repeats R (5)] [--loss P (0.05)] [--seed N]: a controller\n"
               "and N sleepy nodes with a group key, an attacker, and the same traffic over DTLS 1.2 PSK-CCM_8.\n",
               names.c_str(), hush::session::kMaxFrame, profiles.c_str());
  return 2;
}

double number(const char* s, const char* flag) {
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (end == s || *end != '\0') throw std::invalid_argument(std::string("bad value for ") + flag + ": " + s);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool as_json = false;
  std::string baseline;
  int baseline_mtu = 0;
  MeshOptions mesh;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> const char* {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--json") {
        as_json = true;
      } else if (a == "--scenario") {
        o.scenario = value();
      } else if (a == "--method") {
        o.method = static_cast<int>(number(value(), "--method"));
      } else if (a == "--suite") {
        o.suite = static_cast<int>(number(value(), "--suite"));
      } else if (a == "--mtu") {
        o.mtu = static_cast<int>(number(value(), "--mtu"));
      } else if (a == "--loss") {
        o.loss = number(value(), "--loss");
      } else if (a == "--burst") {
        const std::string v = value();
        double g = 0, b = 0, l = 0;
        if (std::sscanf(v.c_str(), "%lf,%lf,%lf", &g, &b, &l) != 3)
          throw std::invalid_argument("--burst P_GB,P_BG,LOSS_BAD");
        o.burst.enabled = true;
        o.burst.p_good_to_bad = g;
        o.burst.p_bad_to_good = b;
        o.burst.loss_bad = l;
      } else if (a == "--duplicate") {
        o.duplicate = number(value(), "--duplicate");
      } else if (a == "--reorder") {
        o.reorder = number(value(), "--reorder");
      } else if (a == "--collisions") {
        o.collisions = true;
      } else if (a == "--seed") {
        o.seed = static_cast<uint64_t>(number(value(), "--seed"));
      } else if (a == "--seeds") {
        o.seeds = static_cast<int>(number(value(), "--seeds"));
      } else if (a == "--sweep-step") {
        o.sweep_step = number(value(), "--sweep-step");
        if (o.sweep_step <= 0 || o.sweep_step > 0.5) throw std::invalid_argument("--sweep-step must be in (0, 0.5]");
      } else if (a == "--jobs") {
        o.jobs = static_cast<int>(number(value(), "--jobs"));
      } else if (a == "--clients") {
        o.clients = static_cast<int>(number(value(), "--clients"));
      } else if (a == "--readings") {
        o.readings = static_cast<int>(number(value(), "--readings"));
      } else if (a == "--profile") {
        o.profile = value();
      } else if (a == "--pk-ms") {
        o.pk_ms = number(value(), "--pk-ms");
      } else if (a == "--baseline") {
        baseline = value();
      } else if (a == "--baseline-mtu") {
        baseline_mtu = static_cast<int>(number(value(), "--baseline-mtu"));
      } else if (a == "--nodes") {
        mesh.nodes = static_cast<int>(number(value(), "--nodes"));
      } else if (a == "--hours") {
        mesh.hours = number(value(), "--hours");
      } else if (a == "--repeats") {
        mesh.repeats = static_cast<int>(number(value(), "--repeats"));
      } else if (a == "--no-timeline") {
        o.timeline = false;
      } else if (a == "--help" || a == "-h") {
        return usage();
      } else {
        return usage(("unknown option " + a).c_str());
      }
    }
    if (as_json) o.timeline = false;
    if (o.scenario == "mesh") {
      mesh.seed = o.seed;
      mesh.profile = o.profile;
      if (o.loss) mesh.loss = *o.loss;
      mesh.timeline = o.timeline;
      const MeshReport r = run_mesh(mesh);
      if (as_json) {
        std::cout << mesh_json(r).dump() << "\n";
      } else {
        print_mesh(r, std::cout);
      }
      return r.ok ? 0 : 1;
    }
    if (is_sleep_scenario(o.scenario) && baseline.empty()) {
      const nlohmann::json j = run_sleep_scenario(o);
      std::cout << (as_json ? j.dump() : j.dump(2)) << "\n";
      return j.value("ok", false) ? 0 : 1;
    }
    if (!baseline.empty()) return run_with_baseline(o, baseline, baseline_mtu, as_json, std::cout);
    const Report r = run_scenario(o);
    if (as_json) {
      std::cout << to_json(r).dump() << "\n";
    } else {
      print_human(r, std::cout);
    }
    return r.ok ? 0 : 1;
  } catch (const std::invalid_argument& e) {
    return usage(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hush-sim: %s\n", e.what());
    return 1;
  }
}
