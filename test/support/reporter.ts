// Mocha's spec reporter plus the plain closing line CI reads: "N passed, N failed" alone on a line.
import Mocha from 'mocha';

class SpecWithTotals extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const stats = runner.stats;
      process.stdout.write(`${stats?.passes ?? 0} passed, ${stats?.failures ?? 0} failed\n`);
    });
  }
}

export = SpecWithTotals;
