"""The analysis library: methods to describe a problem and hypotheses to explain it.

Guidance Appendix 2 (the 3i model's *interpret*: why does a problem persist?) and 4.3.1
(state what you want to know and which data can answer it). One concept per module
(``docs/analysis.md`` lists them with their references and the published values the tests
reproduce):

* time — :mod:`.aoristic`, :mod:`.temporal`, :mod:`.change`
* place — :mod:`.grid`, :mod:`.study_area`, :mod:`.kde`, :mod:`.gistar` (p-values by
  :mod:`.conditional_permutation`), :mod:`.hotspot_change`, :mod:`.rates`
* concentration — :mod:`.concentration`; repeats — :mod:`.repeats`, :mod:`.knox`
* harm — :mod:`.harm`, :mod:`.offence_groups`; triangulation — :mod:`.triangulation`
* evaluation — :mod:`.evaluation`; offenders and victims — :mod:`.offenders`
* hypotheses — :mod:`.hypotheses` (and ``workbench hypothesis NAME``, :mod:`.commands`)
* fitness for purpose — :mod:`.fitness`: what a method needs of its data (``Needs``), checked
  against the quality report's measured figures before it runs (guidance 4.2.3)

Coordinates are British National Grid metres. Results are objects with ``to_dict()`` and
``to_frame()``; defaults the library chooses are announced on stderr (``quiet=True``).
"""
