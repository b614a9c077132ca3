// ml-kmeans 7's own deterministic tests (its src/__tests__/kmeans.test.ts), run against the
// drop-in gaussmix/compat/ml-kmeans: the same inputs must give the same answers.
import { expect, test } from 'vitest';

import { kmeans, kmeansGenerator } from '../lib/compat/ml-kmeans.js';

const data = [
  [1, 1, 1],
  [1, 2, 1],
  [-1, -1, -1],
  [-1, -1, -1.5],
];
const centers = [
  [1, 2, 1],
  [-1, -1, -1],
];

test('Simple case', () => {
  const ans = kmeans(data, 2, { initialization: centers });
  expect(ans.clusters).toStrictEqual([0, 0, 1, 1]);
  expect(ans.centroids[0]).toStrictEqual([1, 1.5, 1]);
  expect(ans.centroids[1]).toStrictEqual([-1, -1, -1.25]);
  expect(ans.converged).toBe(true);
  expect(ans.iterations).toBe(2);
});

test('With generator', () => {
  let steps = 0;
  for (const val of kmeansGenerator(data, 2, { initialization: centers })) {
    steps++;
    expect(val.clusters).toStrictEqual([0, 0, 1, 1]);
    expect(val.centroids[0]).toStrictEqual([1, 1.5, 1]);
    expect(val.centroids[1]).toStrictEqual([-1, -1, -1.25]);
  }
  expect(steps).toBe(2);
});

test('Nearest points', () => {
  const ans = kmeans(data, 2, { initialization: centers });
  expect(
    ans.nearest([
      [10, 10, 1],
      [-2, -2, -2],
    ]),
  ).toStrictEqual([0, 1]);
});

test('Passing empty data or more centers than data', () => {
  const message = /K should be a positive integer smaller than the number of points/;
  expect(() => kmeans([], 2, {})).toThrow(message);
  expect(() => kmeans([[1, 2]], 2, {})).toThrow(message);
  expect(() => kmeans([[1, 2]], -1, {})).toThrow(message);
  expect(() => kmeans([[1, 2]], 1.5, {})).toThrow(message);
});

test('Passing wrong initialization parameter', () => {
  const same = [
    [1, 2],
    [1, 2],
    [1, 2],
  ];
  expect(() => kmeans(same, 2, { initialization: [[1]] })).toThrow(/The initial centers should have the same length as K/);
  // @ts-expect-error 'lol' is not an initialization method
  expect(() => kmeans(same, 2, { initialization: 'lol' })).toThrow(/Unknown initialization method: "lol"/);
});

test('Exceed number of operations', () => {
  const ans = kmeans(data, 2, { initialization: centers, maxIterations: 1 });
  expect(ans.clusters).toStrictEqual([0, 0, 1, 1]);
  expect(ans.centroids[0]).toStrictEqual([1, 1.5, 1]);
  expect(ans.centroids[1]).toStrictEqual([-1, -1, -1.25]);
  expect(ans.converged).toBe(false);
  expect(ans.iterations).toBe(1);
});

test('Non limited convergence', () => {
  const more = [
    [1, 1, 1],
    [1, 2, 1],
    [10, 11, 1],
    [-1, 20, 1],
    [1, 1, 1],
    [-1, -1, -1],
    [-1, -1, -1.5],
  ];
  const ans = kmeans(more, 2, { initialization: centers, maxIterations: 0, seed: 0 });
  expect(ans.clusters).toStrictEqual([1, 1, 0, 0, 1, 1, 1]);
  expect(ans.centroids[0]).toStrictEqual([4.5, 15.5, 1]);
  expect(ans.centroids[1]).toStrictEqual([0.2, 0.4, 0.1]);
  expect(ans.converged).toBe(true);
  expect(ans.iterations).toBe(3);
});

test('computeInformation returns the mean error per cluster', () => {
  const information = kmeans(data, 2, { initialization: centers }).computeInformation(data);
  // centroid [1, 1.5, 1]: two points each at squared distance 0.25
  expect(information[0]?.error).toBe(0.25);
  expect(information[0]?.size).toBe(2);
  // centroid [-1, -1, -1.25]: squared distances 0.0625 and 0.0625
  expect(information[1]?.error).toBe(0.0625);
  expect(information[1]?.size).toBe(2);
});

test('empty clusters', () => {
  const points = [
    [1, 1],
    [1.1, 0.95],
    [0, 0],
    [-0.04, 0.02],
  ];
  const result = kmeans(points, 3, {
    seed: 19,
    initialization: [
      [0, 0],
      [1, 1],
      [0.5, 0.5],
    ],
  });
  const information = result.computeInformation(points);
  expect(information[2]?.size).toBe(0);
  // the empty cluster keeps its starting centre
  expect(information[2]?.centroid).toStrictEqual([0.5, 0.5]);
  expect(information[2]?.error).toBe(-1);
});
