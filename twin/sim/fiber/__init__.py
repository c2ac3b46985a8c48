"""FTTH extension planning (French vocabulary: NRO, PM, PBO, premises "raccordables").

Qt-free. Main entry points::

    network = prepare_network(roads, fiber_nodes, fiber_cables, ducts)
    plan = plan_extension(network, buildings, area=polygon)
    plan.kpis()   # premises passed, metres by kind, capex (EUR), eligibility per zone
"""

from twin.sim.fiber.costs import BillOfMaterials, FiberCosts, load_costs
from twin.sim.fiber.existing import ExistingNetwork, prepare_network
from twin.sim.fiber.planning import PlanParameters, plan_extension, select_targets
from twin.sim.fiber.result import FiberPlan
from twin.sim.fiber.steiner import SteinerTree, steiner_tree

__all__ = [
    "BillOfMaterials",
    "ExistingNetwork",
    "FiberCosts",
    "FiberPlan",
    "PlanParameters",
    "SteinerTree",
    "load_costs",
    "plan_extension",
    "prepare_network",
    "select_targets",
    "steiner_tree",
]
