/**
 * Course boundaries for labs, as attacks: a teacher of another course ("otherTeacher") tries to read,
 * assign, deploy and overwrite the labs of the course that "teacher" teaches. Labs belong to their course
 * (or, without one, to their author); names are unique per owner, so an upload under a name that exists
 * elsewhere starts its own version series and never shows up in the other course.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_YAML, createHarness, outcomeOf, seedWorld, uniq, type Harness, type World } from './api-harness';

let h: Harness;
let w: World;
/** 'course-lab' in the teacher's course, uploaded twice: versions 1 and 2. */
let courseLab: { v1: string; v2: string };
/** The teacher's own lab, in no course. */
let ownLab: string;

const COURSE_LAB = LAB_YAML.replace('name: api-test-lab', 'name: course-lab').replace('title: API test lab', 'title: Course lab');
const revised = (yaml: string, title: string) => yaml.replace(/title: .*/, `title: ${title}`);

const FORBIDDEN = (field: string) => ({ code: 'FORBIDDEN', appCode: 'FORBIDDEN', field });

beforeAll(async () => {
  h = await createHarness();
  w = await seedWorld(h);
  const teacher = h.callerFor('teacher');
  const v1 = await teacher.labs.upload({ yaml: COURSE_LAB, courseId: w.course.id });
  const v2 = await teacher.labs.upload({ yaml: revised(COURSE_LAB, 'Course lab, revised'), courseId: w.course.id });
  courseLab = { v1: v1.id, v2: v2.id };
  ownLab = (await teacher.labs.upload({ yaml: LAB_YAML.replace('name: api-test-lab', 'name: own-lab') })).id;
  // A student in the other course, so that a deployment there would have someone to start a lab for.
  const prisma = h.services.db.prisma;
  const stranger = await prisma.user.create({ data: { username: uniq('stranger'), displayName: 'Stranger', role: 'student' } });
  await prisma.courseMember.create({ data: { courseId: w.otherCourse.id, userId: stranger.id, role: 'student' } });
});

afterAll(async () => {
  await h?.close();
});

/** What the teacher's lab list shows for 'course-lab': the latest version, its title and how many there are. */
async function courseLabAsListed(who: 'teacher' | 'admin' = 'teacher') {
  const labs = await h.callerFor(who).labs.list();
  return labs.filter((l) => l.name === 'course-lab' && l.courseId === w.course.id).map((l) => ({ id: l.id, version: l.version, title: l.title, versions: l.versions }));
}

describe('a teacher of another course', () => {
  it('does not see the course\'s labs, nor the teacher\'s course-less lab, in labs.list', async () => {
    const ids = (await h.callerFor('otherTeacher').labs.list()).map((l) => l.id);
    expect(ids).not.toContain(courseLab.v2);
    expect(ids).not.toContain(ownLab);
  });

  it('labs.get of the course\'s lab is FORBIDDEN on id', async () => {
    expect(await outcomeOf(h.callerFor('otherTeacher').labs.get({ id: courseLab.v1 }))).toEqual(FORBIDDEN('id'));
    expect(await outcomeOf(h.callerFor('otherTeacher').labs.get({ id: ownLab }))).toEqual(FORBIDDEN('id'));
  });

  it('labs.versions of the course\'s lab is FORBIDDEN on id', async () => {
    expect(await outcomeOf(h.callerFor('otherTeacher').labs.versions({ id: courseLab.v2 }))).toEqual(FORBIDDEN('id'));
  });

  it('cannot assign the course\'s lab in their own course: FORBIDDEN on labConfigId, and no assignment is created', async () => {
    const before = await h.services.db.prisma.assignment.count();
    const attempt = h.callerFor('otherTeacher').assignments.create({ courseId: w.otherCourse.id, labConfigId: courseLab.v2, title: 'Borrowed' });
    expect(await outcomeOf(attempt)).toEqual(FORBIDDEN('labConfigId'));
    const courseLess = h.callerFor('otherTeacher').assignments.create({ courseId: w.otherCourse.id, labConfigId: ownLab, title: 'Borrowed' });
    expect(await outcomeOf(courseLess)).toEqual(FORBIDDEN('labConfigId'));
    expect(await h.services.db.prisma.assignment.count()).toBe(before);
  });

  it('cannot deploy the course\'s lab to their own course: FORBIDDEN on labConfigId, and no deployment is created', async () => {
    const before = await h.services.db.prisma.labDeployment.count();
    const attempt = h.callerFor('otherTeacher').deployments.start({ labConfigId: courseLab.v2, courseId: w.otherCourse.id });
    expect(await outcomeOf(attempt)).toEqual(FORBIDDEN('labConfigId'));
    expect(await h.services.db.prisma.labDeployment.count()).toBe(before);
  });
});

describe('uploading a name that exists in another course', () => {
  it('without a course starts the uploader\'s own series, and the course\'s list and versions do not change', async () => {
    const planted = await h.callerFor('otherTeacher').labs.upload({ yaml: revised(COURSE_LAB, 'Planted') });
    expect(planted).toMatchObject({ name: 'course-lab', version: 1 });
    expect(await courseLabAsListed()).toEqual([{ id: courseLab.v2, version: 2, title: 'Course lab, revised', versions: 2 }]);
    expect((await h.callerFor('teacher').labs.versions({ id: courseLab.v2 })).map((l) => l.id)).toEqual([courseLab.v2, courseLab.v1]);
    const theirs = (await h.callerFor('otherTeacher').labs.list()).filter((l) => l.name === 'course-lab');
    expect(theirs.map((l) => ({ id: l.id, version: l.version, courseId: l.courseId }))).toEqual([{ id: planted.id, version: 1, courseId: null }]);
  });

  it('into their own course starts that course\'s series at version 1, invisible to the first course', async () => {
    const planted = await h.callerFor('otherTeacher').labs.upload({ yaml: revised(COURSE_LAB, 'Planted in my course'), courseId: w.otherCourse.id });
    expect(planted).toMatchObject({ name: 'course-lab', version: 1 });
    expect(await courseLabAsListed()).toEqual([{ id: courseLab.v2, version: 2, title: 'Course lab, revised', versions: 2 }]);
    expect((await h.callerFor('teacher').labs.list()).map((l) => l.id)).not.toContain(planted.id);
    expect(await outcomeOf(h.callerFor('teacher').labs.get({ id: planted.id }))).toEqual(FORBIDDEN('id'));
  });
});

describe('the owning course', () => {
  it('a teacher of two courses cannot use one course\'s lab in the other: FORBIDDEN on labConfigId', async () => {
    const second = await w.makeCourse();
    const attempt = h.callerFor('teacher').assignments.create({ courseId: second.id, labConfigId: courseLab.v2, title: 'Elsewhere' });
    expect(await outcomeOf(attempt)).toEqual(FORBIDDEN('labConfigId'));
    const own = h.callerFor('teacher').assignments.create({ courseId: second.id, labConfigId: ownLab, title: 'My own lab' });
    expect(await outcomeOf(own)).toEqual({ code: 'ok' });
  });

  it('a co-teacher reads the course\'s labs, and another teacher\'s course-less lab once it is assigned in the course, and deploys it', async () => {
    const prisma = h.services.db.prisma;
    const coTeacher = await prisma.user.create({ data: { username: uniq('co-teacher'), displayName: 'Co-teacher', role: 'teacher' } });
    await prisma.courseMember.create({ data: { courseId: w.course.id, userId: coTeacher.id, role: 'teacher' } });
    const co = h.callerAs(coTeacher);
    expect(await outcomeOf(co.labs.get({ id: courseLab.v2 }))).toEqual({ code: 'ok' });
    expect(await outcomeOf(co.labs.get({ id: ownLab }))).toEqual(FORBIDDEN('id'));
    const assignment = await h.callerFor('teacher').assignments.create({ courseId: w.course.id, labConfigId: ownLab, title: 'Own lab' });
    expect(await outcomeOf(co.labs.get({ id: ownLab }))).toEqual({ code: 'ok' });
    const d = co.deployments.start({ labConfigId: ownLab, courseId: w.course.id, assignmentId: assignment.id, studentIds: [h.users.otherStudent.id] });
    expect(await outcomeOf(d)).toEqual({ code: 'ok' });
  });
});

describe('admins', () => {
  it('see every series, same names apart, and may assign any lab in any course', async () => {
    const listed = (await h.callerFor('admin').labs.list()).filter((l) => l.name === 'course-lab');
    expect(listed.map((l) => [l.courseId, l.version]).sort()).toEqual(
      [
        [w.course.id, 2],
        [w.otherCourse.id, 1],
        [null, 1],
      ].sort(),
    );
    expect(await courseLabAsListed('admin')).toEqual([{ id: courseLab.v2, version: 2, title: 'Course lab, revised', versions: 2 }]);
    expect(await outcomeOf(h.callerFor('admin').labs.get({ id: courseLab.v1 }))).toEqual({ code: 'ok' });
    const assigned = h.callerFor('admin').assignments.create({ courseId: w.otherCourse.id, labConfigId: courseLab.v2, title: 'By the admin' });
    expect(await outcomeOf(assigned)).toEqual({ code: 'ok' });
  });
});
