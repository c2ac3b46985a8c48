"""Live what-if on the map: the incremental radio engine in a child process, travel times
from a moving point, and their map layers."""
